// A sorted array of distinct 64-bit feature hashes (XXH3 values, so uniformly spread) that
// finds a hash's position in about one cache miss: what every embedding does dozens of
// times, mostly for features a model does not hold. A directory gives, for each value of a
// hash's top bits, where the run of hashes with those bits begins (two to four hashes a
// run), and a 16-bit tag per hash (its low bits) rules out most of a run without reading
// the hashes themselves. Both are built in one pass and take about 3 bytes a hash, and they
// mostly stay in the processor's caches. The built-in models' are built with the library
// (index_bytes(), lib/tools/make_model_index.cpp), so that loading one writes no memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace picdex::embed {

class SortedHashes {
 public:
  SortedHashes() = default;
  // Throw Error unless the hashes ascend strictly.
  explicit SortedHashes(std::vector<std::uint64_t> hashes);  // owns them
  // A view of `count` hashes at `data` (little-endian, any alignment), kept alive by
  // `owner` (null for static data): a model file's bytes, not copied.
  SortedHashes(const std::byte* data, std::size_t count, std::shared_ptr<const void> owner);
  // The same view with an index that index_bytes() made from these hashes (static data,
  // 8-byte aligned, trusted: the built-in models' tests check it against one built
  // afresh). Throws Error if its sizes do not fit `count` or it is not aligned.
  SortedHashes(const std::byte* data, std::size_t count, std::span<const std::byte> index);
  // Move-only: a copy would point at the original's hashes.
  SortedHashes(const SortedHashes&) = delete;
  SortedHashes& operator=(const SortedHashes&) = delete;
  SortedHashes(SortedHashes&&) = default;  // (a moved vector keeps its buffer)
  SortedHashes& operator=(SortedHashes&&) = default;

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::uint64_t operator[](std::size_t i) const {
    std::uint64_t h;
    std::memcpy(&h, data_ + 8 * i, 8);
    return h;
  }
  std::span<const std::byte> bytes() const { return {data_, 8 * count_}; }

  // The directory and tags as bytes (a multiple of 8 long): u32 directory bits, u32 count,
  // the directory (u32, 2^bits + 1), the tags (u16, count), zeros. index_length() reads
  // the length of the one that `bytes` starts with (0 if it cannot hold one).
  std::vector<std::byte> index_bytes() const;
  static std::size_t index_length(std::span<const std::byte> bytes);

  // The position of `hash`, if present.
  std::optional<std::size_t> find(std::uint64_t hash) const {
    if (starts_.empty()) return std::nullopt;
    const auto run = hash >> shift_;
    const auto tag = static_cast<std::uint16_t>(hash);
    for (std::size_t i = starts_[run], end = starts_[run + 1]; i < end; ++i)
      if (tags_[i] == tag && (*this)[i] == hash) return i;
    return std::nullopt;
  }

 private:
  void index();
  static unsigned directory_bits(std::size_t count);

  std::vector<std::uint64_t> owned_;
  std::shared_ptr<const void> owner_;
  const std::byte* data_ = nullptr;
  std::size_t count_ = 0;
  unsigned shift_ = 63;                      // a hash's run is hash >> shift_
  std::span<const std::uint32_t> starts_;    // run r is [starts_[r], starts_[r + 1])
  std::span<const std::uint16_t> tags_;      // each hash's low 16 bits
  std::vector<std::uint32_t> owned_starts_;  // what starts_ and tags_ view, unless static
  std::vector<std::uint16_t> owned_tags_;
};

}  // namespace picdex::embed
