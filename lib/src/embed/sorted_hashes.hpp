// A sorted array of distinct 64-bit feature hashes (XXH3 values, so uniformly spread) that
// finds a hash's position in about one cache miss: what every embedding does dozens of
// times, mostly for features a model does not hold. A directory has a 16-byte bucket for
// each value of a hash's top bits (1.5 to 3 hashes each, on average): where the run of
// hashes with those bits begins, how many there are, and the low 16 bits of the first five,
// so that most lookups read one bucket and at most one hash. It is built in one pass and
// takes 5 to 11 bytes a hash, so a model opens without writing much memory.
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

  // The position of `hash`, if present.
  std::optional<std::size_t> find(std::uint64_t hash) const {
    if (buckets_.empty()) return std::nullopt;
    const auto& bucket = buckets_[hash >> shift_];
    const auto tag = static_cast<std::uint16_t>(hash);
    for (std::size_t j = 0; j < bucket.count; ++j)
      if ((j >= Bucket::kTags || bucket.tags[j] == tag) && (*this)[bucket.start + j] == hash)
        return bucket.start + j;
    return std::nullopt;
  }

 private:
  void index();

  std::vector<std::uint64_t> owned_;
  std::shared_ptr<const void> owner_;
  const std::byte* data_ = nullptr;
  std::size_t count_ = 0;
  struct alignas(16) Bucket {
    static constexpr std::size_t kTags = 5;
    std::uint32_t start = 0;  // its hashes are [start, start + count)
    std::uint16_t count = 0;
    std::uint16_t tags[kTags] = {};  // the low 16 bits of the first kTags
  };
  unsigned shift_ = 63;  // a hash's bucket is hash >> shift_
  std::vector<Bucket> buckets_;
};

}  // namespace picdex::embed
