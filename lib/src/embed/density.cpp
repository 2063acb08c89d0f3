#include "embed/density.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "embed/model_file.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {
namespace {

constexpr char kMagic[8] = {'P', 'D', 'X', 'D', 'E', 'N', 'S', '1'};
constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 4 + 4 + 8;

}  // namespace

DensityReference::DensityReference(std::uint32_t dims, std::uint32_t k, float weight,
                                   std::string model_fingerprint, std::span<const float> rows)
    : dims_(dims),
      k_(k),
      weight_(weight),
      model_fingerprint_(std::move(model_fingerprint)),
      rows_(rows, dims) {
  if (dims == 0 || rows.size() % dims != 0) throw Error("density reference: rows of dims numbers");
  if (k == 0 || k > rows_.size()) throw Error("density reference: k must be 1 to its rows");
  if (!(weight >= 0) || !std::isfinite(weight)) throw Error("density reference: bad weight");
  if (model_fingerprint_.size() != 8) throw Error("density reference: bad model fingerprint");
  index_rows();
  const auto bytes = serialise();
  fingerprint_ = hex8(XXH3_64bits(bytes.data(), bytes.size() - 8));
}

std::vector<std::byte> DensityReference::serialise() const {
  std::vector<std::byte> bytes;
  for (char c : kMagic) bytes.push_back(static_cast<std::byte>(c));
  put(bytes, dims_);
  put(bytes, static_cast<std::uint32_t>(rows_.size()));
  put(bytes, k_);
  put(bytes, weight_);
  for (char c : model_fingerprint_) bytes.push_back(static_cast<std::byte>(c));
  bytes.insert(bytes.end(), rows_.bytes().begin(), rows_.bytes().end());
  put(bytes, XXH3_64bits(bytes.data(), bytes.size()));
  return bytes;
}

DensityReference DensityReference::read(std::span<const std::byte> bytes, const std::string& name,
                                        std::shared_ptr<const void> owner) {
  Cursor in(bytes, name, "density reference");
  if (std::memcmp(in.take(sizeof kMagic, "header"), kMagic, sizeof kMagic) != 0)
    in.fail("no density reference header (wrong file?)");
  if (bytes.size() < kHeaderBytes + 8) in.fail("cut short in its header");
  const auto checksum = in.checked_checksum();
  DensityReference r;
  r.dims_ = in.get<std::uint32_t>("header");
  const auto count = in.get<std::uint32_t>("header");
  r.k_ = in.get<std::uint32_t>("header");
  r.weight_ = in.get<float>("header");
  r.model_fingerprint_.assign(reinterpret_cast<const char*>(in.take(8, "header")), 8);
  if (r.dims_ < 8 || r.dims_ > 4096) in.fail("dims " + std::to_string(r.dims_));
  if (r.k_ == 0 || r.k_ > count)
    in.fail("k " + std::to_string(r.k_) + " of " + std::to_string(count) + " rows");
  if (!(r.weight_ >= 0) || !std::isfinite(r.weight_)) in.fail("a bad weight");
  if (!std::all_of(r.model_fingerprint_.begin(), r.model_fingerprint_.end(),
                   [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    in.fail("a bad model fingerprint");
  const std::size_t expected = kHeaderBytes + std::size_t{count} * (4 + r.dims_) + 8;
  if (bytes.size() != expected)
    in.fail("holds " + std::to_string(bytes.size()) + " bytes, its header implies " +
            std::to_string(expected));
  r.rows_ = QuantisedRows(in.take(std::size_t{count} * (4 + r.dims_), "rows"), count, r.dims_,
                          std::move(owner));
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(r.rows_.scale(i))) in.fail("row " + std::to_string(i) + " has a bad scale");
  r.index_rows();
  r.fingerprint_ = hex8(checksum);
  return r;
}

DensityReference DensityReference::load(const std::filesystem::path& path) {
  auto file = read_file_bytes(path, "density reference");
  return read(file.bytes, path.string(), std::move(file.owner));
}

void DensityReference::save(const std::filesystem::path& path) const {
  write_file_atomically(path, serialise(), "density reference");
}

float DensityReference::density(std::span<const float> unit) const {
  // The caption as 7-bit codes shifted to 1..127 (unsigned bytes times the rows' signed
  // ones: one instruction per 32 bytes, and pairs of products never saturate 16 bits).
  // Integer sums are exact, so densities are the same on every machine.
  thread_local std::vector<std::uint8_t> shifted_codes;
  thread_local std::vector<std::int32_t> dot_buffer;
  thread_local std::vector<float> top_buffer;
  auto& shifted = shifted_codes;  // (the thread's storage found once, not in the loops)
  auto& dots = dot_buffer;
  auto& highest = top_buffer;
  float largest = 0;
  for (float v : unit) largest = std::max(largest, std::fabs(v));
  const float step = largest > 0 ? largest / 63.0f : 1.0f;
  shifted.assign(padded_dims(), 64);  // (zero after the shift: padding adds nothing)
  for (std::size_t d = 0; d < dims_; ++d)
    shifted[d] =
        static_cast<std::uint8_t>(64 + std::lround(std::clamp(unit[d] / step, -63.0f, 63.0f)));
  const std::size_t count = rows_.size();
  dots.resize(count);
  dot_rows(shifted.data(), dots.data());
  // The k highest, kept in ascending order: most rows fall below the lowest of them.
  highest.assign(k_, -std::numeric_limits<float>::infinity());
  float* top = highest.data();
  const std::size_t k = k_;
  for (std::size_t i = 0; i < count; ++i) {
    const float score = step * scales_[i] * static_cast<float>(dots[i] - 64 * row_sums_[i]);
    if (score <= top[0]) continue;
    std::size_t at = 0;
    while (at + 1 < k && top[at + 1] < score) {
      top[at] = top[at + 1];
      ++at;
    }
    top[at] = score;
  }
  double sum = 0;
  for (std::size_t i = 0; i < k; ++i) sum += top[i];
  return std::clamp(static_cast<float>(sum / k_), -1.0f, 1.0f);
}

void DensityReference::index_rows() {
  // Each row's codes again, padded with zeros to whole 32-byte blocks, their sums and
  // scales: what density() reads, in three dense arrays.
  const std::size_t padded = padded_dims();
  codes_.assign(rows_.size() * padded, 0);
  row_sums_.assign(rows_.size(), 0);
  scales_.resize(rows_.size());
  const auto bytes = rows_.bytes();
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    std::memcpy(codes_.data() + i * padded, bytes.data() + i * (4 + dims_) + 4, dims_);
    for (std::size_t d = 0; d < dims_; ++d) row_sums_[i] += codes_[i * padded + d];
    scales_[i] = rows_.scale(i);
  }
}

void DensityReference::dot_rows(const std::uint8_t* shifted, std::int32_t* out) const {
  const std::size_t padded = padded_dims(), count = rows_.size();
#if defined(__AVX2__)
  // Each step adds the products of one block of the caption's (unsigned) bytes with a
  // row's (signed) ones to eight or sixteen 32-bit sums; eight() folds those to eight.
  // Both instruction sets give exactly the same integers.
#if defined(__AVX512BW__) && defined(__AVX512VNNI__)
  using Sums = __m512i;
  constexpr std::size_t block = 64;
  auto step = [&](Sums sums, const std::int8_t* row, std::size_t d) {
    return _mm512_dpbusd_epi32(sums, _mm512_loadu_si512(shifted + d), _mm512_loadu_si512(row + d));
  };
  auto eight = [](Sums sums) {  // (halves taken under a full mask: see int8_codes.cpp)
    return _mm256_add_epi32(_mm512_maskz_extracti64x4_epi64(0xff, sums, 0),
                            _mm512_maskz_extracti64x4_epi64(0xff, sums, 1));
  };
  auto zero = [] { return _mm512_setzero_si512(); };
#else
  using Sums = __m256i;
  constexpr std::size_t block = 32;
  const __m256i ones = _mm256_set1_epi16(1);
  auto step = [&](Sums sums, const std::int8_t* row, std::size_t d) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(shifted + d));
    const __m256i r = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + d));
    return _mm256_add_epi32(sums, _mm256_madd_epi16(_mm256_maddubs_epi16(q, r), ones));
  };
  auto eight = [](Sums sums) { return sums; };
  auto zero = [] { return _mm256_setzero_si256(); };
#endif
  std::size_t i = 0;
  for (; i + 4 <= count; i += 4) {  // four rows at once: one reduction for all four
    const auto* row = codes_.data() + i * padded;
    Sums a = zero(), b = a, c = a, e = a;
    for (std::size_t d = 0; d < padded; d += block) {
      a = step(a, row, d);
      b = step(b, row + padded, d);
      c = step(c, row + 2 * padded, d);
      e = step(e, row + 3 * padded, d);
    }
    const __m256i pairs = _mm256_hadd_epi32(_mm256_hadd_epi32(eight(a), eight(b)),
                                            _mm256_hadd_epi32(eight(c), eight(e)));
    const __m128i sums =
        _mm_add_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), sums);
  }
  for (; i < count; ++i) {
    const auto* row = codes_.data() + i * padded;
    Sums acc = zero();
    for (std::size_t d = 0; d < padded; d += block) acc = step(acc, row, d);
    const __m256i all = eight(acc);
    const __m128i half =
        _mm_add_epi32(_mm256_castsi256_si128(all), _mm256_extracti128_si256(all, 1));
    const __m128i quarter = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4e));
    out[i] = _mm_cvtsi128_si32(_mm_add_epi32(quarter, _mm_shuffle_epi32(quarter, 0xb1)));
  }
#else
  for (std::size_t i = 0; i < count; ++i) {
    const auto* row = codes_.data() + i * padded;
    std::int32_t sum = 0;
    for (std::size_t d = 0; d < padded; ++d) sum += std::int32_t{shifted[d]} * row[d];
    out[i] = sum;
  }
#endif
}

void DensityReference::stored_form(std::span<const float> unit, std::span<float> out) const {
  const float a = std::sqrt(1.0f / (1.0f + weight_)), b = std::sqrt(weight_ / (1.0f + weight_));
  const float d = density(unit);
  for (std::size_t i = 0; i < dims_; ++i) out[i] = a * unit[i];
  out[dims_] = b * d;
  out[dims_ + 1] = b * std::sqrt(std::max(0.0f, 1.0f - d * d));
}

void DensityReference::query_form(std::span<const float> unit, std::span<float> out) const {
  const float a = std::sqrt(1.0f / (1.0f + weight_)), b = std::sqrt(weight_ / (1.0f + weight_));
  for (std::size_t i = 0; i < dims_; ++i) out[i] = a * unit[i];
  out[dims_] = -b;
  out[dims_ + 1] = 0.0f;
}

ScoreMap DensityReference::score_map(std::span<const float> query) const {
  // The query's unit vector is its form's first dims() numbers, rescaled.
  if (query.size() < dims_) return {1.0f + weight_, 0.0f};
  const auto unit_part = query.first(dims_);
  double norm = 0;
  for (float v : unit_part) norm += double{v} * v;
  if (!(norm > 0)) return {1.0f + weight_, 0.0f};
  std::vector<float> unit(unit_part.begin(), unit_part.end());
  for (float& v : unit) v = static_cast<float>(v / std::sqrt(norm));
  return {1.0f + weight_, weight_ * density(unit)};
}

}  // namespace picdex::embed
