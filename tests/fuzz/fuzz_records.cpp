// The import parsers (TSV, CSV, JSONL) on arbitrary bytes: the first byte picks the
// format. Bad input must end in picdex::Error, never anything else.
#include <picdex/picdex.hpp>

#include <cstdint>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto format = static_cast<picdex::RecordFormat>(data[0] % 3);
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  picdex::RecordReader reader(in, "fuzz", format);
  try {
    while (reader.next()) {
    }
  } catch (const picdex::Error&) {
  }
  return 0;
}
