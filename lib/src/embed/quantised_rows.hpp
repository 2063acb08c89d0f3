// Rows of numbers stored as model files store them: per row a float32 scale, then `dims`
// int8 values (value = scale * int8). Either a buffer of its own or a view of a file's
// bytes (a built-in model's are the library's read-only data): loading copies nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace picdex::embed {

class QuantisedRows {
 public:
  QuantisedRows() = default;
  // Quantises float rows (rows.size() / dims of them) into a buffer of its own.
  QuantisedRows(std::span<const float> rows, std::size_t dims);
  // A view of `count` rows at `data`, kept alive by `owner` (null for static data).
  QuantisedRows(const std::byte* data, std::size_t count, std::size_t dims,
                std::shared_ptr<const void> owner);

  std::size_t size() const { return count_; }
  std::size_t dims() const { return dims_; }
  // As a file holds them.
  std::span<const std::byte> bytes() const { return {data_, count_ * stride()}; }
  float scale(std::size_t row) const {
    float s;
    std::memcpy(&s, data_ + row * stride(), sizeof s);
    return s;
  }
  // Asks the processor to start loading a row that add() will soon read.
  void prefetch(std::size_t row) const {
    const std::byte* p = data_ + row * stride();
    for (std::size_t at = 0; at < stride(); at += 64) __builtin_prefetch(p + at);
  }
  // out += weight * row
  void add(std::size_t row, float weight, std::span<float> out) const {
    const float w = weight * scale(row);
    const auto* v = reinterpret_cast<const std::int8_t*>(data_ + row * stride() + 4);
    for (std::size_t d = 0; d < dims_; ++d) out[d] += w * static_cast<float>(v[d]);
  }

 private:
  std::size_t stride() const { return 4 + dims_; }
  const std::byte* data_ = nullptr;
  std::size_t count_ = 0, dims_ = 0;
  std::shared_ptr<const void> owner_;
};

}  // namespace picdex::embed
