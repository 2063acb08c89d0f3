// The parameters a model learns, as training holds them: a row per feature (and per
// bucket), and the projection of a caption's word-vector sum into the same space.
// A caption's vector is the weighted sum of its rows plus the projected sum
// (embed::Model computes the same from the saved model).
#pragma once

#include <cstddef>
#include <memory>
#include <random>
#include <vector>

#include "embed/model.hpp"
#include "learn/adam.hpp"
#include "learn/training_set.hpp"

namespace picdex::learn {

class Encoder {
 public:
  // Weights drawn uniformly from ±0.1: the rows', then the projection's.
  Encoder(std::size_t rows, std::size_t dims, std::size_t word_dims, std::mt19937_64& rng);

  std::size_t dims() const { return dims_; }

  // A caption's vector, before normalisation, into `out` (dims() numbers).
  void encode(const std::vector<Term>& terms, const float* word_sum, float* out) const;

  // One Adam step of size `lr`, given the loss's gradient with respect to each encoded
  // caption (`grads`, dims() numbers per caption, in the order of `terms` and
  // `word_sums`). A row's gradient is summed in caption order, so the result does not
  // depend on `threads`.
  void step(const std::vector<std::vector<Term>>& terms, const std::vector<const float*>& word_sums,
            const float* grads, double lr, unsigned threads);

  // The model these weights make; `set`'s vocabulary and word table are moved into it.
  std::shared_ptr<const embed::Model> to_model(TrainingSet& set) const;

 private:
  std::size_t dims_, word_dims_;
  std::vector<float> table_;       // rows × dims
  std::vector<float> projection_;  // word_dims columns of dims
  SparseAdam adam_, projection_adam_;
  // Per step: each touched row's slot in the gradients, and the rows in first-touch order.
  std::vector<std::int64_t> slot_of_;
  std::vector<std::uint32_t> touched_;
  std::vector<float> row_grads_, projection_grad_;
};

}  // namespace picdex::learn
