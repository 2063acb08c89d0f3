// Tables for people: columns aligned by display width, one line per row whatever the text.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace picdex::cli {

// Columns `text` takes on a terminal: a wide character (東) two, a combining mark none.
std::size_t display_width(std::string_view utf8);

// `text` with control characters shown as escapes (\t, \n, \r, \\xNN for others), so that
// a caption holding a tab or a line end stays in its cell and on its row.
std::string escape_controls(std::string_view text);

class Table {
 public:
  struct Column {
    std::string name;
    bool right = false;  // aligned right (numbers), else left
    std::size_t min_width = 0;
  };
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  // One cell per column; each is shown with escape_controls.
  void add(std::vector<std::string> row);
  // The header and the rows, two spaces between columns; the last is not padded.
  void print(std::FILE* out) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace picdex::cli
