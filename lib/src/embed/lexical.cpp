#include "embed/lexical.hpp"

#include <algorithm>
#include <cmath>

#include "embed/features.hpp"
#include "embed/wordnet.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {
namespace {

constexpr FeatureWeights kWeights[] = {
    {1.0f, 0.5f, 0.6f, 0.0f},  // lexical-v1
    {1.0f, 0.5f, 0.4f, 0.8f},  // lexical-v2 (chosen on the Flickr8k dev split, README)
};

}  // namespace

LexicalEmbedder::LexicalEmbedder(int version, std::size_t dim) : version_(version), dim_(dim) {
  if (version < 1 || version > kLatestVersion)
    throw InputError("lexical embedder: no version " + std::to_string(version));
  if (dim < 16 || dim > 65536) throw InputError("lexical embedder: dim must be 16..65536");
}

std::string LexicalEmbedder::spec() const {
  auto spec = "lexical-v" + std::to_string(version_) + ":dim=" + std::to_string(dim_);
  if (version_ >= 2) spec += ",wordnet=" + wordnet::fingerprint_hex();
  return spec;
}

void LexicalEmbedder::embed(std::string_view text, std::span<float> out) const {
  if (out.size() != dim_) throw Error("lexical embedder: output has the wrong dimension");
  std::fill(out.begin(), out.end(), 0.0f);
  for (const auto& f : extract_features(text, kWeights[version_ - 1])) {
    const float sign = (f.hash >> 63) ? -1.0f : 1.0f;
    out[f.hash % dim_] += sign * sublinear(f.weight);
  }
  double norm = 0;
  for (float v : out) norm += static_cast<double>(v) * v;
  if (norm == 0) throw InputError("text has no words to embed");
  const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& v : out) v *= scale;
}

}  // namespace picdex::embed
