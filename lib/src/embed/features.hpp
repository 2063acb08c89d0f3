// Text features shared by the text embedders: Snowball stems, stem bigrams, character
// trigrams and WordNet concepts of the normalised, stop-word-free words, and the words
// themselves (for pretrained word vectors), each a 64-bit hash (XXH3 of kind and text)
// with a weight. The hashes are part of stored vectors and
// model files: changing how a feature is named or weighted changes embedder versions.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace picdex::embed {

struct FeatureWeights {
  float stem = 1.0f;
  float bigram = 0.5f;
  float trigram = 0.4f;   // shared across a word's trigrams
  float concepts = 0.8f;  // the L2 norm of a noun's concept features; 0 turns them off
  float words = 0.0f;     // whole words, looked up in pretrained word vectors; 0: off
};

// What a feature is made of; the hash covers it, so features of two kinds never collide.
enum class FeatureKind : char {
  stem = 'w',
  bigram = 'b',
  trigram = 'g',
  wordnet_concept = 'c',
  word = 'v',
};

struct Feature {
  std::uint64_t hash;
  float weight;
  FeatureKind kind;
};

// The hash of one feature, as extract_features computes it.
std::uint64_t feature_hash(FeatureKind kind, std::string_view text);

// Damps repeated features: w for w <= 1, else 1 + ln w.
inline float sublinear(float w) {
  return w <= 1.0f ? w : 1.0f + std::log(w);
}

// Says, from the hashes of a word's stem and word features, whether the word is one that
// its word vector describes better than its spelling: then it gets no trigrams.
using SpellingFilter = std::function<bool(std::uint64_t stem, std::uint64_t word)>;

// The features of `text`, equal ones summed, sorted by hash. Throws InputError when the
// text has no words.
std::vector<Feature> extract_features(std::string_view text, const FeatureWeights& weights,
                                      const SpellingFilter& meaning_only = nullptr);

}  // namespace picdex::embed
