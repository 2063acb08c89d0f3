#include "index/int8_codes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__) || defined(__AVX512BW__)
#include <immintrin.h>
#endif

namespace picdex::index {
namespace {

#if defined(__AVX2__)
std::int32_t sum_lanes(__m256i eight) {
  const __m128i half =
      _mm_add_epi32(_mm256_castsi256_si128(eight), _mm256_extracti128_si256(eight, 1));
  const __m128i quarter = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4e));
  return _mm_cvtsi128_si32(_mm_add_epi32(quarter, _mm_shuffle_epi32(quarter, 0xb1)));
}
#endif

std::int32_t dot_codes(const std::int8_t* a, const std::int8_t* b, std::size_t dim) {
  // Each kernel forms |a| times b with a's sign: unsigned by signed bytes, which is what
  // the instructions multiply. Codes lie within -127..127, so no sum saturates and every
  // kernel gives the same integer.
#if defined(__AVX512BW__) && defined(__AVX512VNNI__)
  // Four products summed into each 32-bit lane per instruction; the last block is loaded
  // under a mask (zeros beyond `dim`), so there is no scalar tail.
  __m512i acc = _mm512_setzero_si512();
  for (std::size_t i = 0; i < dim; i += 64) {
    const __mmask64 in = dim - i >= 64 ? ~__mmask64{0} : (__mmask64{1} << (dim - i)) - 1;
    const __m512i va = _mm512_maskz_loadu_epi8(in, a + i);
    const __m512i vb = _mm512_maskz_loadu_epi8(in, b + i);
    const __m512i signed_b =
        _mm512_mask_sub_epi8(vb, _mm512_movepi8_mask(va), _mm512_setzero_si512(), vb);
    acc = _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(va), signed_b);
  }
  // (Halves taken under a full mask: GCC 12's unmasked forms, and so its
  // _mm512_reduce_add_epi32, warn of an undefined value.)
  return sum_lanes(_mm256_add_epi32(_mm512_maskz_extracti64x4_epi64(0xff, acc, 0),
                                    _mm512_maskz_extracti64x4_epi64(0xff, acc, 1)));
#else
  std::int32_t sum = 0;
  std::size_t i = 0;
#if defined(__AVX2__)
  // Pairs of products summed to 16 bits (at most 2·127·127), then to 32.
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc = _mm256_setzero_si256();
  for (; i + 32 <= dim; i += 32) {
    const __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    const __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(va), _mm256_sign_epi8(vb, va));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
  }
  sum = sum_lanes(acc);
#endif
  for (; i < dim; ++i) sum += static_cast<std::int32_t>(a[i]) * b[i];
  return sum;
#endif
}

float scale_of(const void* code) {
  float scale;
  std::memcpy(&scale, code, sizeof scale);
  return scale;
}

const std::int8_t* codes_of(const void* code) {
  return static_cast<const std::int8_t*>(code) + sizeof(float);
}

}  // namespace

void int8_encode(const float* vector, std::size_t dim, void* out) {
  float largest = 0;
  for (std::size_t i = 0; i < dim; ++i) largest = std::max(largest, std::fabs(vector[i]));
  const float scale = largest > 0 ? largest / 127.0f : 1.0f;
  std::memcpy(out, &scale, sizeof scale);
  auto* codes = static_cast<std::int8_t*>(out) + sizeof scale;
  for (std::size_t i = 0; i < dim; ++i)
    codes[i] =
        static_cast<std::int8_t>(std::lround(std::clamp(vector[i] / scale, -127.0f, 127.0f)));
}

float int8_score_margin(const float* query, std::size_t dim) {
  float largest = 0;
  for (std::size_t i = 0; i < dim; ++i) largest = std::max(largest, std::fabs(query[i]));
  // Each side's rounding errs by a standard deviation of about step/sqrt(12) for a unit
  // vector (step = largest/127), so a score by about step·sqrt(2/12), taking the stored
  // vector's step for the query's. Six of those: over four standard deviations of the
  // difference of two scores' errors.
  const float step = largest / 127.0f;
  return 6.0f * step * std::sqrt(2.0f / 12.0f);
}

float int8_distance(const void* a, const void* b, const void* dim) {
  const auto n = *static_cast<const std::size_t*>(dim);
  return 1.0f -
         scale_of(a) * scale_of(b) * static_cast<float>(dot_codes(codes_of(a), codes_of(b), n));
}

}  // namespace picdex::index
