// UTF-8 validity, for text that must be valid before it is stored or put into JSON.
#pragma once

#include <utf8proc.h>

#include <string_view>

namespace picdex::io {

inline bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  const auto size = static_cast<utf8proc_ssize_t>(s.size());
  for (utf8proc_ssize_t i = 0; i < size;) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    utf8proc_int32_t code_point;
    const auto n = utf8proc_iterate(p + i, size - i, &code_point);
    if (n <= 0) return false;
    i += n;
  }
  return true;
}

}  // namespace picdex::io
