// Sparse Adam: moments and step counts kept per row, a row updated only when a step
// touches it.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace picdex::learn {

class SparseAdam {
 public:
  SparseAdam(std::size_t rows, std::size_t dims)
      : dims_(dims), m_(rows * dims), v_(rows * dims), steps_(rows, 0) {}

  // One step of size `lr` for one row of `dims` weights, given its gradient.
  void update(std::uint32_t row, const float* grad, float* weights, double lr) {
    constexpr double kB1 = 0.9, kB2 = 0.999, kEps = 1e-8;
    const auto t = ++steps_[row];
    const double c1 = 1 - std::pow(kB1, t), c2 = 1 - std::pow(kB2, t);
    float* m = m_.data() + std::size_t{row} * dims_;
    float* v = v_.data() + std::size_t{row} * dims_;
    for (std::size_t d = 0; d < dims_; ++d) {
      m[d] = static_cast<float>(kB1 * m[d] + (1 - kB1) * grad[d]);
      v[d] = static_cast<float>(kB2 * v[d] + (1 - kB2) * grad[d] * grad[d]);
      weights[d] -= static_cast<float>(lr * (m[d] / c1) / (std::sqrt(v[d] / c2) + kEps));
    }
  }

 private:
  std::size_t dims_;
  std::vector<float> m_, v_;
  std::vector<std::uint32_t> steps_;
};

}  // namespace picdex::learn
