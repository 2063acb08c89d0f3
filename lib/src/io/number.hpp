// A number written as text, as conditions and metadata comparisons read it.
#pragma once

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

namespace picdex::io {

// The whole of `text` as a finite number (strtod's syntax), or nullopt.
inline std::optional<double> finite_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace picdex::io
