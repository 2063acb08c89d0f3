// Scalar-quantised vectors for int8 graphs (GraphPrecision::int8). A unit vector v of
// `dim` floats is held as
//   [float scale][int8 code × dim],  code_i = round(v_i / scale),  scale = max|v_i| / 127,
// so codes lie in -127..127 and the inner product of two vectors is about
// scale_a · scale_b · Σ code_a·code_b (off by about 1e-3 for unit vectors of 100+
// dimensions). The graph searches with these; the stored float32 vectors give exact scores.
#pragma once

#include <cstddef>

namespace picdex::index {

inline std::size_t int8_code_bytes(std::size_t dim) {
  return sizeof(float) + dim;
}

// Writes int8_code_bytes(dim) bytes to `out`.
void int8_encode(const float* vector, std::size_t dim, void* out);

// How far an approximate score of `query` against any code may stray from the exact one,
// with a wide safety factor: rounding errs by up to half a step per coordinate, and the
// errors of the query's and the vector's codes add up like random walks.
float int8_score_margin(const float* query, std::size_t dim);

// hnswlib's distance between two codes: 1 - their approximate inner product. `dim` points
// to the std::size_t dimension. Uses AVX-512 VNNI or AVX2 when the build targets them.
float int8_distance(const void* a, const void* b, const void* dim);

}  // namespace picdex::index
