#include "embed/features.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "embed/text.hpp"
#include "embed/wordnet.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {
namespace {

class Features {
 public:
  void add(FeatureKind kind, std::string_view text, float weight) {
    if (weight <= 0) return;  // a feature kind turned off
    items_.push_back({feature_hash(kind, text), weight, kind});
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
    features.add(FeatureKind::trigram,
                 std::string_view(marked).substr(starts[i], starts[i + 3] - starts[i]), weight);
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
    if (weights[i] > 0)
      features.add(FeatureKind::wordnet_concept, std::to_string(ancestors[i].synset),
                   weights[i] * scale);
}

}  // namespace

std::uint64_t feature_hash(FeatureKind kind, std::string_view text) {
  thread_local std::string key;
  key.assign(1, static_cast<char>(kind));
  key += '\x1f';
  key += text;
  return XXH3_64bits(key.data(), key.size());
}

std::vector<Feature> extract_features(std::string_view text, const FeatureWeights& weights,
                                      const SpellingFilter& meaning_only) {
  const auto all = words(normalise(text));
  std::vector<std::string> content;
  for (const auto& w : all)
    if (!is_stop_word(w)) content.push_back(w);
  if (content.empty()) content = all;  // a query of only function words still means something
  if (content.empty()) throw InputError("text has no words to embed");

  thread_local Stemmer stemmer;
  Features features;
  std::string previous;
  for (const auto& word : content) {
    auto stem = stemmer.stem(word);
    features.add(FeatureKind::stem, stem, weights.stem);
    if (!previous.empty()) features.add(FeatureKind::bigram, previous + ' ' + stem, weights.bigram);
    if (!meaning_only ||
        !meaning_only(feature_hash(FeatureKind::stem, stem), feature_hash(FeatureKind::word, word)))
      add_trigrams(features, word, weights.trigram);
    features.add(FeatureKind::word, word, weights.words);
    if (weights.concepts > 0) add_concepts(features, word, weights.concepts);
    previous = std::move(stem);
  }
  return std::move(features.merged());
}

}  // namespace picdex::embed
