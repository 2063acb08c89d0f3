// The lexical embedder: stems, stem bigrams and character trigrams of the normalised text,
// signed feature hashing (XXH3) into `dim` floats, sublinear weights, L2 normalisation.
// Version 2 adds WordNet concepts: each noun also contributes its hypernyms ("cat" ->
// feline -> ... -> animal), weighted by how specific they are, so "cat" and "pet" share
// features that "car" lacks. Deterministic: any change in output is a new version.
#pragma once

#include "picdex/embedder.hpp"

namespace picdex::embed {

class LexicalEmbedder final : public Embedder {
 public:
  static constexpr int kLatestVersion = 2;
  static constexpr std::size_t kDefaultDim = 1024;  // measured: README, "Choosing the defaults"
  explicit LexicalEmbedder(int version = kLatestVersion, std::size_t dim = kDefaultDim);
  std::string spec() const override;
  std::size_t dim() const override { return dim_; }
  void embed(std::string_view text, std::span<float> out) const override;

 private:
  int version_;
  std::size_t dim_;
};

}  // namespace picdex::embed
