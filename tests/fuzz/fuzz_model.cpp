// The learned embedder's model file reader on arbitrary bytes.
#include <picdex/picdex.hpp>

#include <cstdint>

#include "embed/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto model =
        picdex::embed::Model::read({reinterpret_cast<const std::byte*>(data), size}, "fuzz");
    (void)model.dims();
  } catch (const picdex::Error&) {
  }
  return 0;
}
