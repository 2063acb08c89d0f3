// The text normaliser, every embedder's tokenizer and CLIP's tokenizer (when the shared
// data holds its merges) on arbitrary text.
#include <picdex/picdex.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>

#include "embed/clip_tokenizer.hpp"
#include "embed/text.hpp"

namespace {
std::unique_ptr<picdex::embed::ClipTokenizer> clip_tokenizer() {
  const auto merges =
      std::filesystem::path(PICDEX_SHARED_DATA) / "clip" / "bpe_simple_vocab_16e6.txt.gz";
  if (!std::filesystem::exists(merges)) return nullptr;
  return std::make_unique<picdex::embed::ClipTokenizer>(merges);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto lexical = picdex::make_embedder("lexical");
  static const auto learned = picdex::make_embedder("learned");
  static const auto clip = clip_tokenizer();
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
  if (clip) clip->encode(text);  // any bytes: bad UTF-8 becomes U+FFFD
  return 0;
}
