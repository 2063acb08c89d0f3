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

SortedHashes::SortedHashes(const std::byte* data, std::size_t count,
                           std::span<const std::byte> index)
    : data_(data), count_(count) {
  const auto length = index_length(index);
  if (length == 0 || length != index.size()) throw Error("a hash index of the wrong length");
  std::uint32_t head[2];
  std::memcpy(head, index.data(), sizeof head);
  if (head[1] != count || head[0] != directory_bits(count))
    throw Error("a hash index made for other hashes");
  if (count == 0) return;
  // index_bytes() lays both arrays out aligned to their types when its bytes start
  // 8-byte aligned (the library's data is).
  if (reinterpret_cast<std::uintptr_t>(index.data()) % 8 != 0)
    throw Error("a hash index that is not 8-byte aligned");
  shift_ = 64 - head[0];
  const auto* starts = reinterpret_cast<const std::uint32_t*>(index.data() + sizeof head);
  starts_ = {starts, (std::size_t{1} << head[0]) + 1};
  tags_ = {reinterpret_cast<const std::uint16_t*>(starts_.data() + starts_.size()), count};
  if (starts_.back() != count) throw Error("a hash index made for other hashes");
}

unsigned SortedHashes::directory_bits(std::size_t count) {
  // 2^bits runs, with 2^bits the power of two above n / 4.
  return count == 0 ? 0 : std::clamp(static_cast<unsigned>(std::bit_width(count / 4)), 1u, 30u);
}

void SortedHashes::index() {
  if (count_ == 0) return;
  if (count_ > std::numeric_limits<std::uint32_t>::max()) throw Error("too many hashes");
  const auto bits = directory_bits(count_);
  shift_ = 64 - bits;
  owned_starts_.resize((std::size_t{1} << bits) + 1);
  owned_tags_.resize(count_);
  std::size_t i = 0;
  std::uint64_t last = 0;
  for (std::size_t run = 0; run + 1 < owned_starts_.size(); ++run) {
    owned_starts_[run] = static_cast<std::uint32_t>(i);
    for (; i < count_ && ((*this)[i] >> shift_) == run; ++i) {
      if (i > 0 && (*this)[i] <= last) throw Error("hashes out of order");
      last = (*this)[i];
      owned_tags_[i] = static_cast<std::uint16_t>(last);
    }
  }
  if (i != count_) throw Error("hashes out of order");
  owned_starts_.back() = static_cast<std::uint32_t>(count_);
  starts_ = owned_starts_;
  tags_ = owned_tags_;
}

std::vector<std::byte> SortedHashes::index_bytes() const {
  const std::uint32_t head[2] = {directory_bits(count_), static_cast<std::uint32_t>(count_)};
  std::vector<std::byte> out(sizeof head + 4 * starts_.size() + 2 * tags_.size());
  out.resize((out.size() + 7) / 8 * 8);
  std::memcpy(out.data(), head, sizeof head);
  if (count_ == 0) return out;  // (no arrays to copy, and memcpy may not take their null)
  std::memcpy(out.data() + sizeof head, starts_.data(), 4 * starts_.size());
  std::memcpy(out.data() + sizeof head + 4 * starts_.size(), tags_.data(), 2 * tags_.size());
  return out;
}

std::size_t SortedHashes::index_length(std::span<const std::byte> bytes) {
  std::uint32_t head[2];
  if (bytes.size() < sizeof head) return 0;
  std::memcpy(head, bytes.data(), sizeof head);
  if (head[0] > 30) return 0;
  const std::size_t starts = head[1] == 0 ? 0 : (std::size_t{1} << head[0]) + 1;
  const std::size_t length = (sizeof head + 4 * starts + 2 * std::size_t{head[1]} + 7) / 8 * 8;
  return length <= bytes.size() ? length : 0;
}

}  // namespace picdex::embed
