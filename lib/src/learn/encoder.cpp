#include "learn/encoder.hpp"

#include <algorithm>

#include "threads/parallel_for.hpp"

namespace picdex::learn {

Encoder::Encoder(std::size_t rows, std::size_t dims, std::size_t word_dims, std::mt19937_64& rng)
    : dims_(dims),
      word_dims_(word_dims),
      table_(rows * dims),
      projection_(word_dims * dims),
      adam_(rows, dims),
      projection_adam_(1, dims * word_dims),
      slot_of_(rows, -1),
      projection_grad_(dims * word_dims) {
  std::uniform_real_distribution<float> init(-0.1f, 0.1f);
  for (auto& w : table_) w = init(rng);
  for (auto& w : projection_) w = init(rng);
}

void Encoder::encode(const std::vector<Term>& terms, const float* word_sum, float* u) const {
  const std::size_t dims = dims_;
  std::fill(u, u + dims, 0.0f);
  for (const auto& t : terms) {
    const float* row = table_.data() + std::size_t{t.row} * dims;
    for (std::size_t d = 0; d < dims; ++d) u[d] += t.weight * row[d];
  }
  for (std::size_t j = 0; j < word_dims_; ++j) {  // columns, as Model::project
    const float* column = projection_.data() + j * dims;
    for (std::size_t d = 0; d < dims; ++d) u[d] += word_sum[j] * column[d];
  }
}

void Encoder::step(const std::vector<std::vector<Term>>& terms,
                   const std::vector<const float*>& word_sums, const float* grads, double lr,
                   unsigned threads) {
  const std::size_t dims = dims_;
  touched_.clear();
  row_grads_.clear();
  for (std::size_t k = 0; k < terms.size(); ++k) {
    const float* g = grads + k * dims;
    for (const auto& t : terms[k]) {
      if (slot_of_[t.row] < 0) {
        slot_of_[t.row] = static_cast<std::int64_t>(touched_.size());
        touched_.push_back(t.row);
        row_grads_.resize(row_grads_.size() + dims, 0.0f);
      }
      float* out = row_grads_.data() + static_cast<std::size_t>(slot_of_[t.row]) * dims;
      for (std::size_t d = 0; d < dims; ++d) out[d] += t.weight * g[d];
    }
  }
  parallel_for(touched_.size(), threads, [&](std::size_t s) {
    const auto row = touched_[s];
    adam_.update(row, row_grads_.data() + s * dims, table_.data() + std::size_t{row} * dims, lr);
  });
  for (const auto row : touched_) slot_of_[row] = -1;
  if (word_dims_ == 0) return;
  // The projection's gradient: the sum over captions of the gradient times the word sum.
  parallel_for(word_dims_, threads, [&](std::size_t j) {
    float* out = projection_grad_.data() + j * dims;
    std::fill(out, out + dims, 0.0f);
    for (std::size_t k = 0; k < word_sums.size(); ++k) {
      const float w = word_sums[k][j];
      const float* g = grads + k * dims;
      for (std::size_t d = 0; d < dims; ++d) out[d] += w * g[d];
    }
  });
  projection_adam_.update(0, projection_grad_.data(), projection_.data(), lr);
}

std::shared_ptr<const embed::Model> Encoder::to_model(TrainingSet& set) const {
  return std::make_shared<const embed::Model>(static_cast<std::uint32_t>(dims_), set.weights,
                                              std::move(set.vocabulary), set.buckets, table_,
                                              std::move(set.word_table), projection_);
}

}  // namespace picdex::learn
