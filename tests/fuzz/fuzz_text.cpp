// The text normaliser and every embedder's tokenizer on arbitrary text.
#include <picdex/picdex.hpp>

#include <cstdint>

#include "embed/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto lexical = picdex::make_embedder("lexical");
  static const auto learned = picdex::make_embedder("learned");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    picdex::embed::words(picdex::embed::normalise(text));
  } catch (const picdex::Error&) {  // not UTF-8
  }
  for (const auto* embedder : {lexical.get(), learned.get()}) {
    std::vector<float> out(embedder->dim());
    try {
      embedder->embed(text, out);
    } catch (const picdex::Error&) {
    }
  }
  return 0;
}
