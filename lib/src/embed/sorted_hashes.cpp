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
  // 2^bits runs, with 2^bits the power of two above n / 4.
  const auto bits = std::clamp(static_cast<unsigned>(std::bit_width(count_ / 4)), 1u, 30u);
  shift_ = 64 - bits;
  starts_.resize((std::size_t{1} << bits) + 1);
  tags_.resize(count_);
  std::size_t i = 0;
  std::uint64_t last = 0;
  for (std::size_t run = 0; run + 1 < starts_.size(); ++run) {
    starts_[run] = static_cast<std::uint32_t>(i);
    for (; i < count_ && ((*this)[i] >> shift_) == run; ++i) {
      if (i > 0 && (*this)[i] <= last) throw Error("hashes out of order");
      last = (*this)[i];
      tags_[i] = static_cast<std::uint16_t>(last);
    }
  }
  if (i != count_) throw Error("hashes out of order");
  starts_.back() = static_cast<std::uint32_t>(count_);
}

}  // namespace picdex::embed
