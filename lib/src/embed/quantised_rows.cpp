#include "embed/quantised_rows.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace picdex::embed {

QuantisedRows::QuantisedRows(std::span<const float> rows, std::size_t dims)
    : count_(dims ? rows.size() / dims : 0), dims_(dims) {
  auto buffer = std::make_shared<std::vector<std::byte>>(count_ * stride());
  for (std::size_t r = 0; r < count_; ++r) {
    const auto row = rows.subspan(r * dims, dims);
    float largest = 0;
    for (float v : row) largest = std::max(largest, std::abs(v));
    const float scale = largest > 0 ? largest / 127.0f : 1.0f;
    std::byte* out = buffer->data() + r * stride();
    std::memcpy(out, &scale, sizeof scale);
    for (std::size_t d = 0; d < dims; ++d) {
      const auto q = static_cast<std::int8_t>(std::lround(row[d] / scale));
      std::memcpy(out + 4 + d, &q, 1);
    }
  }
  data_ = buffer->data();
  owner_ = std::move(buffer);
}

QuantisedRows::QuantisedRows(const std::byte* data, std::size_t count, std::size_t dims,
                             std::shared_ptr<const void> owner)
    : data_(data), count_(count), dims_(dims), owner_(std::move(owner)) {}

}  // namespace picdex::embed
