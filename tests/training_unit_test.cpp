#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "learn/contrastive_loss.hpp"
#include "learn/encoder.hpp"

using namespace picdex::learn;

// The trainer's parts, each against its contract: the loss's gradient is its derivative,
// and one Adam step moves each touched weight against its gradient's sign.

TEST_CASE("the contrastive loss's gradient is its derivative", "[learned][training]") {
  constexpr std::size_t B = 4, dims = 6;
  std::mt19937 rng(9);
  std::normal_distribution<float> normal;
  std::vector<float> unit(2 * B * dims), grad(2 * B * dims), ignored(2 * B * dims);
  for (std::size_t k = 0; k < 2 * B; ++k) {
    float norm = 0;
    for (std::size_t d = 0; d < dims; ++d) norm += std::pow(unit[k * dims + d] = normal(rng), 2.0f);
    for (std::size_t d = 0; d < dims; ++d) unit[k * dims + d] /= std::sqrt(norm);
  }
  ContrastiveLoss loss(B, dims, 0.1f);
  const double at = loss(unit.data(), grad.data(), 2);
  CHECK(at > 0);
  CHECK(loss(unit.data(), ignored.data(), 1) == at);  // any thread count, the same
  CHECK(ignored == grad);
  constexpr float h = 1e-2f;
  for (std::size_t i = 0; i < unit.size(); ++i) {
    auto moved = unit;
    moved[i] = unit[i] + h;
    const double up = loss(moved.data(), ignored.data(), 1);
    moved[i] = unit[i] - h;
    const double down = loss(moved.data(), ignored.data(), 1);
    INFO("number " << i);
    CHECK(grad[i] == Approx((up - down) / (2 * h)).margin(2e-3));
  }
  // Matching pairs cost less than mismatched ones: the loss of the anchors against
  // themselves is below that of anchors against shuffled positives.
  std::vector<float> same(unit.begin(), unit.begin() + B * dims);
  same.insert(same.end(), unit.begin(), unit.begin() + B * dims);
  CHECK(loss(same.data(), ignored.data(), 1) < at);
}

TEST_CASE("one encoder step moves each touched weight against its gradient",
          "[learned][training]") {
  constexpr std::size_t rows = 5, dims = 4, word_dims = 3;
  std::mt19937_64 rng(1);
  Encoder encoder(rows, dims, word_dims, rng);
  // Two captions: rows 1 and 3 (weights 1 and 2), and row 3 alone; each with a word sum.
  const std::vector<std::vector<Term>> terms{{{1, 1.0f, true}, {3, 2.0f, false}},
                                             {{3, 1.0f, true}}};
  const std::vector<float> sums{1, 0, 0, 0, 0, 0};  // the first caption's word sum only
  const std::vector<const float*> word_sums{sums.data(), sums.data() + word_dims};
  auto vector_of = [&](std::size_t k) {
    std::vector<float> u(dims);
    encoder.encode(terms[k], word_sums[k], u.data());
    return u;
  };
  // Rows alone, with no word sum: rows 1 and 3 of a zero caption.
  const std::vector<float> no_words(word_dims, 0.0f);
  auto row = [&](std::uint32_t r) {
    std::vector<float> u(dims);
    encoder.encode({{r, 1.0f, true}}, no_words.data(), u.data());
    return u;
  };
  const auto row1 = row(1), row3 = row(3), row0 = row(0), first = vector_of(0);
  // Gradients: +1 on every number of the first caption, -1 on the second's.
  std::vector<float> grads(2 * dims, 1.0f);
  for (std::size_t d = dims; d < 2 * dims; ++d) grads[d] = -1.0f;
  constexpr double lr = 0.01;
  encoder.step(terms, word_sums, grads.data(), lr, 2);
  // Adam's first step is lr times the gradient's sign. Row 1's gradient is +1 (weight 1);
  // row 3's is 2 x (+1) + 1 x (-1) = +1; row 0 was not touched.
  const auto row1_after = row(1), row3_after = row(3), row0_after = row(0);
  for (std::size_t d = 0; d < dims; ++d) {
    CHECK(row1_after[d] == Approx(row1[d] - lr).margin(1e-6));
    CHECK(row3_after[d] == Approx(row3[d] - lr).margin(1e-6));
    CHECK(row0_after[d] == row0[d]);
  }
  // The projection's first column (the first caption's word sum) moved by -lr in every
  // number too: the first caption moves by -lr x (1 + 2 + 1).
  const auto first_after = vector_of(0);
  for (std::size_t d = 0; d < dims; ++d)
    CHECK(first_after[d] == Approx(first[d] - 4 * lr).margin(1e-5));
}
