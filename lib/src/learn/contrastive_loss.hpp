// Symmetric InfoNCE over in-batch negatives: B anchors and their B positives (captions
// of the same images), each anchor scored against every positive by cosine / temperature,
// a softmax cross-entropy each way.
#pragma once

#include <cstddef>
#include <vector>

namespace picdex::learn {

class ContrastiveLoss {
 public:
  ContrastiveLoss(std::size_t batch, std::size_t dims, float temperature);

  // `unit`: 2B unit vectors, dims numbers each, anchors first then their positives in
  // the same order. Returns the loss and writes its gradient with respect to each of
  // them into `grad` (2B × dims). Deterministic for any `threads`.
  double operator()(const float* unit, float* grad, unsigned threads);

 private:
  std::size_t batch_, dims_;
  float tau_;
  std::vector<float> logits_, d_logits_;  // B × B: anchor i against positive j
};

}  // namespace picdex::learn
