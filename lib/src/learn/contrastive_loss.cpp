#include "learn/contrastive_loss.hpp"

#include <algorithm>
#include <cmath>

#include "threads/parallel_for.hpp"

namespace picdex::learn {

ContrastiveLoss::ContrastiveLoss(std::size_t batch, std::size_t dims, float temperature)
    : batch_(batch),
      dims_(dims),
      tau_(temperature),
      logits_(batch * batch),
      d_logits_(batch * batch) {}

double ContrastiveLoss::operator()(const float* unit, float* grad, unsigned threads) {
  const std::size_t B = batch_, dims = dims_;
  const float tau = tau_;
  parallel_for(B, threads, [&](std::size_t i) {
    const float* a = unit + i * dims;
    for (std::size_t j = 0; j < B; ++j) {
      const float* p = unit + (B + j) * dims;
      float s = 0;
      for (std::size_t d = 0; d < dims; ++d) s += a[d] * p[d];
      logits_[i * B + j] = s / tau;
    }
  });
  // The loss and its gradient with respect to the logits.
  double loss = 0;
  std::fill(d_logits_.begin(), d_logits_.end(), 0.0f);
  for (int direction = 0; direction < 2; ++direction) {  // anchors->positives, and back
    for (std::size_t i = 0; i < B; ++i) {
      auto at = [&](std::size_t j) -> std::size_t {
        return direction == 0 ? i * B + j : j * B + i;
      };
      float top = -1e30f;
      for (std::size_t j = 0; j < B; ++j) top = std::max(top, logits_[at(j)]);
      double sum = 0;
      for (std::size_t j = 0; j < B; ++j) sum += std::exp(logits_[at(j)] - top);
      loss += -(logits_[at(i)] - top - std::log(sum));
      for (std::size_t j = 0; j < B; ++j) {
        const double p = std::exp(logits_[at(j)] - top) / sum;
        d_logits_[at(j)] += static_cast<float>((p - (i == j)) / (2.0 * B));
      }
    }
  }
  // Back to the unit vectors.
  parallel_for(2 * B, threads, [&](std::size_t k) {
    float* g = grad + k * dims;
    std::fill(g, g + dims, 0.0f);
    const bool anchor = k < B;
    const std::size_t i = anchor ? k : k - B;
    for (std::size_t j = 0; j < B; ++j) {
      const float w = (anchor ? d_logits_[i * B + j] : d_logits_[j * B + i]) / tau;
      const float* other = unit + (anchor ? B + j : j) * dims;
      for (std::size_t d = 0; d < dims; ++d) g[d] += w * other[d];
    }
  });
  return loss / (2.0 * B);
}

}  // namespace picdex::learn
