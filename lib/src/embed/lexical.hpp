// The lexical embedder, version 1: stems, stem bigrams and character trigrams of the
// normalised text, signed feature hashing (XXH3) into `dim` floats, sublinear weights,
// L2 normalisation. Deterministic: a change in output must become lexical-v2.
#pragma once

#include "picdex/embedder.hpp"

namespace picdex::embed {

class LexicalEmbedder final : public Embedder {
 public:
  static constexpr std::size_t kDefaultDim = 512;
  explicit LexicalEmbedder(std::size_t dim = kDefaultDim);
  std::string spec() const override;
  std::size_t dim() const override { return dim_; }
  void embed(std::string_view text, std::span<float> out) const override;

 private:
  std::size_t dim_;
};

}  // namespace picdex::embed
