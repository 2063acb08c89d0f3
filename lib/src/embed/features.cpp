#include "embed/features.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

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
  void add_hashed(FeatureKind kind, std::uint64_t hash, float weight) {
    if (weight > 0) items_.push_back({hash, weight, kind});
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

// What a word contributes whatever its neighbours and the weights: its stem, hashes and
// the unweighted shape of its trigrams and concepts. Words recur, so each thread keeps
// the analyses of the words it met last (bounded).
struct WordAnalysis {
  std::string stem;
  std::uint64_t stem_hash, word_hash;
  std::vector<std::uint64_t> trigrams;  // of "<word>", by code point; none under 3 code points
  // The concept a noun names and all its hypernyms, with their depth in the hierarchy less
  // kGenericDepth (those above 0), and the sum of squares of all of those depths.
  std::vector<std::pair<std::uint64_t, float>> concepts;
  double concept_norm = 0;
};

// Two nouns share concept weight in proportion to how specific their common ancestors
// are: cat and pet meet at "animal", cat and car only at "whole", which counts 0.
constexpr int kGenericDepth = 3;  // entity, physical entity, object, whole: no information

WordAnalysis analyse(const std::string& word, Stemmer& stemmer) {
  WordAnalysis a;
  a.stem = stemmer.stem(word);
  a.stem_hash = feature_hash(FeatureKind::stem, a.stem);
  a.word_hash = feature_hash(FeatureKind::word, word);
  std::vector<std::size_t> starts;  // byte offset of each code point in "<word>"
  const std::string marked = "<" + word + ">";
  for (std::size_t i = 0; i < marked.size(); ++i)
    if ((static_cast<unsigned char>(marked[i]) & 0xC0) != 0x80) starts.push_back(i);
  starts.push_back(marked.size());
  for (std::size_t i = 0; i + 3 < starts.size(); ++i)
    a.trigrams.push_back(
        feature_hash(FeatureKind::trigram,
                     std::string_view(marked).substr(starts[i], starts[i + 3] - starts[i])));
  if (const auto synset = wordnet::concept_of(word))
    for (const auto& ancestor : wordnet::ancestors(*synset)) {
      const auto depth = static_cast<float>(std::max(0, ancestor.depth - kGenericDepth));
      a.concept_norm += static_cast<double>(depth) * depth;
      if (depth > 0)
        a.concepts.emplace_back(
            feature_hash(FeatureKind::wordnet_concept, std::to_string(ancestor.synset)), depth);
    }
  return a;
}

const WordAnalysis& analysis_of(const std::string& word) {
  constexpr std::size_t kRemembered = 1 << 13;
  thread_local Stemmer stemmer;
  thread_local std::unordered_map<std::string, WordAnalysis> remembered;
  if (const auto it = remembered.find(word); it != remembered.end()) return it->second;
  if (remembered.size() >= kRemembered) remembered.clear();
  return remembered.emplace(word, analyse(word, stemmer)).first->second;
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

  Features features;
  std::string previous, bigram;  // the previous word's stem
  for (const auto& word : content) {
    const auto& a = analysis_of(word);
    features.add_hashed(FeatureKind::stem, a.stem_hash, weights.stem);
    if (!previous.empty()) {
      bigram.assign(previous);
      bigram += ' ';
      bigram += a.stem;
      features.add(FeatureKind::bigram, bigram, weights.bigram);
    }
    if (!a.trigrams.empty() && (!meaning_only || !meaning_only(a.stem_hash, a.word_hash))) {
      const float weight = weights.trigram / std::sqrt(static_cast<float>(a.trigrams.size()));
      for (const auto hash : a.trigrams) features.add_hashed(FeatureKind::trigram, hash, weight);
    }
    features.add_hashed(FeatureKind::word, a.word_hash, weights.words);
    if (weights.concepts > 0 && a.concept_norm > 0) {
      const auto scale = static_cast<float>(weights.concepts / std::sqrt(a.concept_norm));
      for (const auto& [hash, depth] : a.concepts)
        features.add_hashed(FeatureKind::wordnet_concept, hash, depth * scale);
    }
    previous = a.stem;
  }
  return std::move(features.merged());
}

}  // namespace picdex::embed
