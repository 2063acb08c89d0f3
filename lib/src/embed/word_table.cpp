#include "embed/word_table.hpp"

#include <algorithm>
#include <cmath>

#include "picdex/error.hpp"

namespace picdex::embed {

void quantise_rows(std::span<const float> rows, std::size_t dims, std::vector<float>& scales,
                   std::vector<std::int8_t>& values) {
  const std::size_t count = rows.size() / dims;
  scales.resize(count);
  values.resize(count * dims);
  for (std::size_t r = 0; r < count; ++r) {
    const auto row = rows.subspan(r * dims, dims);
    float largest = 0;
    for (float v : row) largest = std::max(largest, std::abs(v));
    const float scale = largest > 0 ? largest / 127.0f : 1.0f;
    scales[r] = scale;
    for (std::size_t d = 0; d < dims; ++d)
      values[r * dims + d] = static_cast<std::int8_t>(std::lround(row[d] / scale));
  }
}

WordTable::WordTable(std::uint32_t dims, std::vector<std::uint64_t> hashes,
                     std::span<const float> vectors)
    : dims_(dims), hashes_(std::move(hashes)) {
  if (vectors.size() != hashes_.size() * dims_) throw Error("word table: sizes do not match");
  if (!std::is_sorted(hashes_.begin(), hashes_.end())) throw Error("word table: not sorted");
  quantise_rows(vectors, dims_, scales_, values_);
}

WordTable::WordTable(std::uint32_t dims, std::vector<std::uint64_t> hashes,
                     std::vector<float> scales, std::vector<std::int8_t> values)
    : dims_(dims), hashes_(std::move(hashes)), scales_(std::move(scales)),
      values_(std::move(values)) {}

std::optional<std::size_t> WordTable::find(std::uint64_t hash) const {
  const auto it = std::lower_bound(hashes_.begin(), hashes_.end(), hash);
  if (it == hashes_.end() || *it != hash) return std::nullopt;
  return static_cast<std::size_t>(it - hashes_.begin());
}

void WordTable::add(std::size_t word, float weight, std::span<float> sum) const {
  const float scale = weight * scales_[word];
  const std::int8_t* v = values_.data() + word * dims_;
  for (std::size_t d = 0; d < dims_; ++d) sum[d] += scale * static_cast<float>(v[d]);
}

}  // namespace picdex::embed
