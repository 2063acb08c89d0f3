// The learned embedder's model file reader on arbitrary bytes; a file it accepts is then
// used to embed a text, so every view it hands out is read.
#include <picdex/picdex.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "embed/learned.hpp"
#include "embed/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto model = std::make_shared<const picdex::embed::Model>(
        picdex::embed::Model::read({reinterpret_cast<const std::byte*>(data), size}, "fuzz"));
    const picdex::embed::LearnedEmbedder embedder(model, "fuzz");
    std::vector<float> out(embedder.dim());
    embedder.embed("a brown dog runs on the beach", out);
  } catch (const picdex::Error&) {
  }
  return 0;
}
