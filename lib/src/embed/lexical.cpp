#include "embed/lexical.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "embed/text.hpp"
#include "embed/wordnet.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {
namespace {

struct Weights {
  float stem;
  float bigram;
  float trigram;   // shared across a word's trigrams
  float concepts;  // the L2 norm of a noun's concept features; 0 turns them off
};
constexpr Weights kWeights[] = {
    {1.0f, 0.5f, 0.6f, 0.0f},  // lexical-v1
    {1.0f, 0.5f, 0.4f, 0.8f},  // lexical-v2 (chosen on the Flickr8k dev split, README)
};

struct Feature {
  std::uint64_t hash;
  float weight;
};

class Features {
 public:
  void add(char kind, std::string_view text, float weight) {
    key_.assign(1, kind);
    key_ += '\x1f';
    key_ += text;
    items_.push_back({XXH3_64bits(key_.data(), key_.size()), weight});
  }
  // Sums the weight of equal features; returns them sorted by hash.
  std::vector<Feature>& merged() {
    std::sort(items_.begin(), items_.end(),
              [](const Feature& a, const Feature& b) { return a.hash < b.hash; });
    std::size_t out = 0;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (out > 0 && items_[out - 1].hash == items_[i].hash)
        items_[out - 1].weight += items_[i].weight;
      else
        items_[out++] = items_[i];
    }
    items_.resize(out);
    return items_;
  }

 private:
  std::string key_;
  std::vector<Feature> items_;
};

// Character trigrams of "<word>", by code point.
void add_trigrams(Features& features, const std::string& word, float total) {
  std::vector<std::size_t> starts;  // byte offset of each code point in "<word>"
  const std::string marked = "<" + word + ">";
  for (std::size_t i = 0; i < marked.size(); ++i)
    if ((static_cast<unsigned char>(marked[i]) & 0xC0) != 0x80) starts.push_back(i);
  if (starts.size() < 3) return;
  const std::size_t count = starts.size() - 2;
  const float weight = total / std::sqrt(static_cast<float>(count));
  starts.push_back(marked.size());
  for (std::size_t i = 0; i < count; ++i)
    features.add('g', std::string_view(marked).substr(starts[i], starts[i + 3] - starts[i]),
                 weight);
}

// The concept a noun names and all its hypernyms, each weighted by its depth in the
// hierarchy less kGenericDepth, scaled so that the word's concept features have L2 norm
// `total`. Two nouns then share weight in proportion to how specific their common
// ancestors are: cat and pet meet at "animal", cat and car only at "whole", which counts 0.
constexpr int kGenericDepth = 3;  // entity, physical entity, object, whole: no information

void add_concepts(Features& features, const std::string& word, float total) {
  const auto synset = wordnet::concept_of(word);
  if (!synset) return;
  const auto ancestors = wordnet::ancestors(*synset);
  std::vector<float> weights;
  double norm = 0;
  for (const auto& a : ancestors) {
    weights.push_back(static_cast<float>(std::max(0, a.depth - kGenericDepth)));
    norm += static_cast<double>(weights.back()) * weights.back();
  }
  if (norm == 0) return;
  const auto scale = static_cast<float>(total / std::sqrt(norm));
  for (std::size_t i = 0; i < ancestors.size(); ++i)
    if (weights[i] > 0) features.add('c', std::to_string(ancestors[i].synset), weights[i] * scale);
}

float sublinear(float w) {
  return w <= 1.0f ? w : 1.0f + std::log(w);
}

}  // namespace

LexicalEmbedder::LexicalEmbedder(int version, std::size_t dim) : version_(version), dim_(dim) {
  if (version < 1 || version > kLatestVersion)
    throw InputError("lexical embedder: no version " + std::to_string(version));
  if (dim < 16 || dim > 65536) throw InputError("lexical embedder: dim must be 16..65536");
}

std::string LexicalEmbedder::spec() const {
  auto spec = "lexical-v" + std::to_string(version_) + ":dim=" + std::to_string(dim_);
  if (version_ >= 2) {
    char wordnet[16];
    std::snprintf(wordnet, sizeof wordnet, "%08x", wordnet::fingerprint());
    spec += ",wordnet=";
    spec += wordnet;
  }
  return spec;
}

void LexicalEmbedder::embed(std::string_view text, std::span<float> out) const {
  if (out.size() != dim_) throw Error("lexical embedder: output has the wrong dimension");
  const auto all = words(normalise(text));
  std::vector<std::string> content;
  for (const auto& w : all)
    if (!is_stop_word(w)) content.push_back(w);
  if (content.empty()) content = all;  // a query of only function words still means something
  if (content.empty()) throw InputError("text has no words to embed");

  const auto& weights = kWeights[version_ - 1];
  thread_local Stemmer stemmer;
  Features features;
  std::string previous;
  for (const auto& word : content) {
    auto stem = stemmer.stem(word);
    features.add('w', stem, weights.stem);
    if (!previous.empty()) features.add('b', previous + ' ' + stem, weights.bigram);
    add_trigrams(features, word, weights.trigram);
    if (weights.concepts > 0) add_concepts(features, word, weights.concepts);
    previous = std::move(stem);
  }

  std::fill(out.begin(), out.end(), 0.0f);
  for (const auto& f : features.merged()) {
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
