// The import parsers (TSV, CSV, JSONL) on arbitrary bytes: the first byte picks the
// format, and with its top bit a 64-byte line limit (so the limit's paths are reached).
// Bad input must end in picdex::Error, never anything else.
#include <picdex/picdex.hpp>

#include <cstdint>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto format = static_cast<picdex::RecordFormat>((data[0] & 0x7f) % 3);
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  const std::size_t max_line_bytes =
      data[0] & 0x80 ? 64 : picdex::RecordReader::kDefaultMaxLineBytes;
  picdex::RecordReader reader(in, "fuzz", format, max_line_bytes);
  try {
    while (reader.next()) {
    }
  } catch (const picdex::Error&) {
  }
  return 0;
}
