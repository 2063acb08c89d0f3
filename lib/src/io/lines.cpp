// Reading checked lines, in bounded memory.
#include "io/utf8.hpp"
#include "picdex/error.hpp"
#include "picdex/import.hpp"

namespace picdex {
namespace {
constexpr std::size_t kChunk = 64 * 1024;  // read at a time, so a limit is never overshot far
}

LineReader::LineReader(std::istream& in, std::string source, std::size_t max_line_bytes)
    : in_(in),
      source_(std::move(source)),
      max_line_bytes_(max_line_bytes),
      chunk_(std::make_unique<char[]>(kChunk)) {}

void LineReader::fail(std::size_t line, std::string_view field, std::string_view problem) const {
  throw InputError({.file = source_, .line = line, .field = std::string(field)},
                   std::string(problem));
}

bool LineReader::next(std::string& line, std::size_t used) {
  line.clear();
  bool any = false;  // a character or a line end was read
  for (;;) {
    // getline, not get: libstdc++ finds the line end with memchr there, where get reads
    // a character at a time. It takes the line end too; a chunk filled before one sets
    // failbit alone.
    in_.getline(chunk_.get(), static_cast<std::streamsize>(kChunk), '\n');
    const auto got = static_cast<std::size_t>(in_.gcount());
    if (in_.bad()) throw IoError(source_ + ": read error");
    const bool line_end = !in_.fail() && !in_.eof();
    line.append(chunk_.get(), line_end ? got - 1 : got);
    any = any || got > 0;
    if (used + line.size() > max_line_bytes_)
      fail(number_ + 1, "line",
           "is longer than " + std::to_string(max_line_bytes_) + " bytes, the limit");
    if (line_end || in_.eof()) break;
    in_.clear();  // a full chunk: the line goes on
  }
  if (!any) return false;
  ++number_;
  if (number_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // BOM
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.find('\0') != std::string::npos) fail(number_, "line", "contains a NUL byte");
  if (!io::valid_utf8(line)) fail(number_, "line", "is not valid UTF-8");
  return true;
}

}  // namespace picdex
