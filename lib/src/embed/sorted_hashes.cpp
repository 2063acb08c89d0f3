#include "embed/sorted_hashes.hpp"

#include <algorithm>
#include <bit>
#include <limits>

#include "picdex/error.hpp"

namespace picdex::embed {

SortedHashes::SortedHashes(std::vector<std::uint64_t> hashes)
    : owned_(std::move(hashes)),
      data_(reinterpret_cast<const std::byte*>(owned_.data())),
      count_(owned_.size()) {
  index();
}

SortedHashes::SortedHashes(const std::byte* data, std::size_t count,
                           std::shared_ptr<const void> owner)
    : owner_(std::move(owner)), data_(data), count_(count) {
  index();
}

void SortedHashes::index() {
  if (count_ == 0) return;
  if (count_ > std::numeric_limits<std::uint32_t>::max()) throw Error("too many hashes");
  // 2^bits buckets, with 2^bits the power of two above n / 3.
  const auto bits = std::clamp(static_cast<unsigned>(std::bit_width(count_ / 3)), 1u, 30u);
  shift_ = 64 - bits;
  buckets_.resize(std::size_t{1} << bits);
  std::size_t i = 0;
  std::uint64_t last = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    auto& bucket = buckets_[b];
    bucket.start = static_cast<std::uint32_t>(i);
    for (; i < count_ && ((*this)[i] >> shift_) == b; ++i) {
      if (i > 0 && (*this)[i] <= last) throw Error("hashes out of order");
      if (bucket.count == std::numeric_limits<std::uint16_t>::max())
        throw Error("hashes not spread evenly");
      last = (*this)[i];
      if (bucket.count < Bucket::kTags)
        bucket.tags[bucket.count] = static_cast<std::uint16_t>(last);
      ++bucket.count;
    }
  }
  if (i != count_) throw Error("hashes out of order");
}

}  // namespace picdex::embed
