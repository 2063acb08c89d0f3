// The inner product of float32 vectors that float32 graphs use for every distance, in
// building and in searching. Four independent fused multiply-add chains of eight lanes
// (AVX2 + FMA where the build targets it, held two to a register with AVX-512, else a
// portable loop of four partial sums), so that a distance waits on memory rather than on
// one chain of additions. Deterministic: the same vectors give the same bits on every
// call, and AVX-512 and AVX2 builds give the same bits as each other (so catalogues print
// the same scores on either); a build without AVX2 adds in another order.
#pragma once

#include <cstddef>

namespace picdex::index {

float float_inner_product(const float* a, const float* b, std::size_t dim);

// hnswlib's distance signature: 1 - the inner product; `dim` points to a std::size_t.
float float_distance(const void* a, const void* b, const void* dim);

}  // namespace picdex::index
