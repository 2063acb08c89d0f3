// ASCII case folding, for names the program matches (file extensions, CSV column names)
// and for keywords told apart as FTS5 folds them.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace picdex::io {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace picdex::io
