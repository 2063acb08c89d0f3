#include "learn/hard_batches.hpp"

#include <algorithm>
#include <cstdint>

#include "threads/parallel_for.hpp"

namespace picdex::learn {

std::vector<std::size_t> near_order(const Encoder& encoder, const TrainingSet& set,
                                    const std::vector<std::size_t>& order, std::mt19937_64& rng,
                                    unsigned threads) {
  constexpr std::size_t kPlanes = 16;
  const std::size_t dims = encoder.dims();
  std::vector<float> planes(kPlanes * dims);
  std::normal_distribution<float> normal;
  for (auto& p : planes) p = normal(rng);
  std::vector<std::uint32_t> codes(set.images.size());
  parallel_for(set.images.size(), threads, [&](std::size_t i) {
    thread_local std::vector<float> u;
    u.resize(dims);
    const auto& first = set.images[i][0];
    encoder.encode(first.terms, set.word_sum(first), u.data());
    std::uint32_t code = 0;
    for (std::size_t h = 0; h < kPlanes; ++h) {
      float side = 0;
      for (std::size_t d = 0; d < dims; ++d) side += planes[h * dims + d] * u[d];
      code = code << 1 | (side > 0);
    }
    codes[i] = code;
  });
  auto near = order;  // shuffled: ties stay in random order
  std::stable_sort(near.begin(), near.end(),
                   [&](std::size_t a, std::size_t b) { return codes[a] < codes[b]; });
  return near;
}

}  // namespace picdex::learn
