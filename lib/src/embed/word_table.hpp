// The pretrained word vectors a learned model carries (model format 2): one vector per
// known word, int8 with a scale (quantised_rows.hpp), found by the hash of the word's
// feature (features.hpp). A text's word vectors are summed in their own space; the model
// then projects the sum into its space with a learned matrix (model.hpp), so a word never
// seen in training still lands near its meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "embed/features.hpp"
#include "embed/quantised_rows.hpp"
#include "embed/sorted_hashes.hpp"

namespace picdex::embed {

class WordTable {
 public:
  WordTable() = default;  // no words
  // One hash per row of `vectors`.
  WordTable(SortedHashes hashes, QuantisedRows vectors);

  bool empty() const { return hashes_.empty(); }
  std::size_t size() const { return hashes_.size(); }
  std::uint32_t dims() const { return static_cast<std::uint32_t>(vectors_.dims()); }
  const SortedHashes& hashes() const { return hashes_; }
  const QuantisedRows& vectors() const { return vectors_; }

  // The word whose feature hash is `hash`, if this table has it.
  std::optional<std::size_t> find(std::uint64_t hash) const { return hashes_.find(hash); }
  // sum += weight * (the word's vector, as stored)
  void add(std::size_t word, float weight, std::span<float> sum) const {
    vectors_.add(word, weight, sum);
  }

 private:
  SortedHashes hashes_;
  QuantisedRows vectors_;
};

// The rules of learned-v2 that training (trainer.cpp) and embedding (learned.cpp) share,
// so that both turn a text into the same terms. With word vectors:
// - a stem outside the vocabulary gets no shared bucket row (its word vector, or failing
//   that its trigrams, stand for it);
inline bool takes_row(const WordTable& words, FeatureKind kind, bool in_vocabulary) {
  return in_vocabulary || words.empty() || kind != FeatureKind::stem;
}
// - a word whose stem is outside the vocabulary but which has a vector keeps no trigrams
//   either: it is embedded by its meaning, not by fragments of other words' spelling.
inline bool meaning_only(const WordTable& words, bool stem_in_vocabulary, std::uint64_t word) {
  return !stem_in_vocabulary && words.find(word).has_value();
}

}  // namespace picdex::embed
