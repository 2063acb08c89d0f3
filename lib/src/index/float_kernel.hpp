// The inner product of float32 vectors that float32 graphs use for every distance, in
// building and in searching. Four independent fused multiply-add chains (AVX-512, or
// AVX2 + FMA, where the build targets them, else a portable loop of four partial sums),
// so that a distance waits on memory rather than on one chain of additions. Deterministic
// within a build: the same vectors give the same bits on every call (builds for other
// instruction sets add in another order, so scores may differ in their last bit).
#pragma once

#include <cstddef>

namespace picdex::index {

float float_inner_product(const float* a, const float* b, std::size_t dim);

// hnswlib's distance signature: 1 - the inner product; `dim` points to a std::size_t.
float float_distance(const void* a, const void* b, const void* dim);

}  // namespace picdex::index
