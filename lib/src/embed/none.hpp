// The "none" embedder of catalogues whose vectors come from elsewhere: it knows its
// dimension and embeds nothing. Writes carry vectors and searches give one.
#pragma once

#include "picdex/embedder.hpp"

namespace picdex::embed {

class NoEmbedder final : public Embedder {
 public:
  explicit NoEmbedder(std::size_t dim);
  std::string spec() const override { return "none:dim=" + std::to_string(dim_); }
  std::size_t dim() const override { return dim_; }
  // Always throws InputError: there is no text embedder.
  void embed(std::string_view text, std::span<float> out) const override;

 private:
  std::size_t dim_;
};

}  // namespace picdex::embed
