// The captions a model is trained on, as the learned embedder will see them: each
// caption's feature rows with their weights, and the sum of its words' pretrained vectors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "embed/features.hpp"
#include "embed/word_table.hpp"

namespace picdex {
struct TrainOptions;
struct TrainReport;
}  // namespace picdex

namespace picdex::learn {

struct Term {
  std::uint32_t row;
  float weight;
  bool stem;  // a word's own row, which word dropout may leave out
};

// A caption as training sees it: its rows, and where its word-vector sum is kept.
struct Caption {
  std::vector<Term> terms;
  std::size_t index;  // into TrainingSet::word_sums
};

struct TrainingSet {
  embed::FeatureWeights weights;
  std::vector<std::uint64_t> vocabulary;  // sorted: the features with rows of their own
  std::uint32_t buckets = 0;              // shared rows of the rarer features
  embed::WordTable word_table;            // empty without word vectors
  std::vector<std::vector<Caption>> images;
  std::vector<float> word_sums;  // word_dims() numbers per caption

  std::size_t rows() const { return vocabulary.size() + buckets; }
  std::size_t word_dims() const { return word_table.dims(); }
  const float* word_sum(const Caption& c) const { return word_sums.data() + c.index * word_dims(); }
};

// The feature set named by TrainOptions::features (InputError for an unknown name).
embed::FeatureWeights parse_feature_set(const std::string& set);

// The training set of `groups` (those with two captions or more), with the vocabulary
// and word table `options` ask for; fills report's images, captions, vocabulary and
// words. `sources` receives the groups kept, in order (the images of the set). Throws
// InputError for an unknown feature set, a word weight that is not positive, or fewer
// images than a batch; the word vectors' file may throw as WordVectors::load does.
TrainingSet make_training_set(const std::vector<std::vector<std::string>>& groups,
                              const TrainOptions& options, unsigned threads,
                              std::vector<const std::vector<std::string>*>& sources,
                              TrainReport& report);

}  // namespace picdex::learn
