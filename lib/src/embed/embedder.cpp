// The Embedder interface's defaults: text by text, and no images.
#include "picdex/embedder.hpp"

#include "picdex/error.hpp"

namespace picdex {

void Embedder::embed_batch(std::span<const std::string_view> texts, std::span<float> out,
                           unsigned /*threads*/) const {
  const auto d = dim();
  for (std::size_t i = 0; i < texts.size(); ++i) embed(texts[i], out.subspan(i * d, d));
}

void Embedder::embed_images(std::span<const std::filesystem::path> files, std::span<float>,
                            unsigned) const {
  if (!files.empty())
    throw InputError(files.front().string() + ": this catalogue's embedder (" + spec() +
                     ") embeds text only; images need a CLIP catalogue (--embedder clip:MODEL)");
}

}  // namespace picdex
