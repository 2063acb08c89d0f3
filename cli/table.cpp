#include "table.hpp"

#include <utf8proc.h>

#include <algorithm>

namespace picdex::cli {

std::size_t display_width(std::string_view utf8) {
  std::size_t width = 0;
  const auto* at = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  auto left = static_cast<utf8proc_ssize_t>(utf8.size());
  while (left > 0) {
    utf8proc_int32_t code = 0;
    const auto n = utf8proc_iterate(at, left, &code);
    if (n <= 0) {  // not UTF-8: a byte, shown as one column
      ++width, ++at, --left;
      continue;
    }
    width += static_cast<std::size_t>(std::max(0, utf8proc_charwidth(code)));
    at += n, left -= n;
  }
  return width;
}

std::string escape_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}

void Table::add(std::vector<std::string> row) {
  row.resize(columns_.size());
  for (auto& cell : row) cell = escape_controls(cell);
  rows_.push_back(std::move(row));
}

void Table::print(std::FILE* out) const {
  std::vector<std::size_t> widths;
  for (const auto& c : columns_) widths.push_back(std::max(c.min_width, display_width(c.name)));
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  auto line = [&](const auto& cell_of) {
    std::string text;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const std::string& cell = cell_of(i);
      const std::string pad(widths[i] - display_width(cell), ' ');
      if (i) text += "  ";
      if (columns_[i].right) text += pad;
      text += cell;
      if (!columns_[i].right && i + 1 < columns_.size()) text += pad;
    }
    text += '\n';
    std::fputs(text.c_str(), out);
  };
  line([&](std::size_t i) -> const std::string& { return columns_[i].name; });
  for (const auto& row : rows_) line([&](std::size_t i) -> const std::string& { return row[i]; });
}

}  // namespace picdex::cli
