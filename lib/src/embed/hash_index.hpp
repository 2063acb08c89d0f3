// Finds a 64-bit feature hash's position in a sorted array in one or two probes (the
// hashes are XXH3 values, uniformly spread): what every embedding does dozens of times,
// where a binary search over a large vocabulary costs a cache miss a step.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace picdex::embed {

class HashIndex {
 public:
  HashIndex() = default;
  // Move-only: a copy would keep pointing at the keys of the original.
  HashIndex(const HashIndex&) = delete;
  HashIndex& operator=(const HashIndex&) = delete;
  HashIndex(HashIndex&&) = default;
  HashIndex& operator=(HashIndex&&) = default;
  // Indexes `keys` (distinct), which must outlive the index unchanged, and stay where they
  // are (moving the vector that holds them is fine: its buffer moves with it).
  explicit HashIndex(std::span<const std::uint64_t> keys) : keys_(keys) {
    std::size_t capacity = 16;
    while (capacity < 2 * keys.size()) capacity *= 2;
    mask_ = capacity - 1;
    slots_.assign(capacity, 0);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto slot = keys[i] & mask_;
      while (slots_[slot] != 0) slot = (slot + 1) & mask_;
      slots_[slot] = static_cast<std::uint32_t>(i + 1);
    }
  }
  // The position of `key` in the keys, if there.
  std::optional<std::size_t> find(std::uint64_t key) const {
    if (slots_.empty()) return std::nullopt;
    for (auto slot = key & mask_;; slot = (slot + 1) & mask_) {
      const auto at = slots_[slot];
      if (at == 0) return std::nullopt;
      if (keys_[at - 1] == key) return at - 1;
    }
  }

 private:
  std::span<const std::uint64_t> keys_;
  std::uint64_t mask_ = 0;
  std::vector<std::uint32_t> slots_;  // position + 1; 0 is empty
};

}  // namespace picdex::embed
