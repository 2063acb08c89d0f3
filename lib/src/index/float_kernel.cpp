#include "index/float_kernel.hpp"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace picdex::index {

float float_inner_product(const float* a, const float* b, std::size_t dim) {
  std::size_t i = 0;
  float sum = 0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
#if defined(__AVX512F__) && defined(__AVX512DQ__)
  // The same four sums, two to a register (s0 and s1 in `low`'s lanes 0-7 and 8-15, s2
  // and s3 in `high`'s): each lane sees the same fused multiply-adds in the same order,
  // so both instruction sets give the same bits, in half the instructions. (Halves are
  // taken under a full mask: GCC 12's unmasked forms warn of an undefined value.)
  __m512 low = _mm512_setzero_ps(), high = low;
  for (; i + 32 <= dim; i += 32) {
    low = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), low);
    high = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), high);
  }
  s0 = _mm512_maskz_extractf32x8_ps(0xff, low, 0);
  s1 = _mm512_maskz_extractf32x8_ps(0xff, low, 1);
  s2 = _mm512_maskz_extractf32x8_ps(0xff, high, 0);
  s3 = _mm512_maskz_extractf32x8_ps(0xff, high, 1);
#else
  for (; i + 32 <= dim; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
#endif
  for (; i + 8 <= dim; i += 8)
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  const __m256 all = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(all), _mm256_extractf128_ps(all, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 0x55));
  sum = _mm_cvtss_f32(half);
#else
  float s[4] = {0, 0, 0, 0};
  for (; i + 4 <= dim; i += 4)
    for (std::size_t k = 0; k < 4; ++k) s[k] += a[i + k] * b[i + k];
  sum = (s[0] + s[1]) + (s[2] + s[3]);
#endif
  for (; i < dim; ++i) sum += a[i] * b[i];
  return sum;
}

float float_distance(const void* a, const void* b, const void* dim) {
  return 1.0f - float_inner_product(static_cast<const float*>(a), static_cast<const float*>(b),
                                    *static_cast<const std::size_t*>(dim));
}

}  // namespace picdex::index
