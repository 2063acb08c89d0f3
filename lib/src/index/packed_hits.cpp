#include "index/packed_hits.hpp"

#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

namespace picdex::index {
namespace {

void put_varint(std::string& out, std::uint64_t v) {
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>(v | 0x80));
  out.push_back(static_cast<char>(v));
}

// Reads varints from a section, refusing any that runs past its end or past 64 bits.
class VarintReader {
 public:
  explicit VarintReader(std::string_view bytes) : bytes_(bytes) {}
  std::uint64_t next() {
    std::uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (at_ == bytes_.size()) throw std::runtime_error("a hit table slot is cut short");
      const auto byte = static_cast<unsigned char>(bytes_[at_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
    throw std::runtime_error("a hit table slot holds an overlong number");
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// The next `bytes` of an arena of `size`, from `at`; throws if they run past its end.
std::uint64_t take(std::uint64_t& at, std::uint64_t bytes, std::size_t size) {
  if (bytes > size - at) throw std::runtime_error("a hit table slot points outside its table");
  return std::exchange(at, at + bytes);
}

}  // namespace

PackedHits pack(const HitTable& hits) {
  PackedHits out;
  out.caption_count = hits.caption_slots().size();
  out.image_count = hits.image_slots().size();
  std::int64_t previous = 0;
  for (const auto& c : hits.caption_slots()) {
    put_varint(out.caption_slots, zigzag(c.image - previous));  // wraps, as unpack does
    put_varint(out.caption_slots, c.text_bytes);
    out.caption_texts.append(hits.text(c));
    previous = c.image;
  }
  for (const auto& i : hits.image_slots()) {
    put_varint(out.image_slots, i.uri_bytes);
    put_varint(out.image_slots, i.metadata_bytes);
    out.image_texts.append(hits.uri(i));
    out.image_texts.append(hits.metadata(i));
  }
  return out;
}

PackedHitsView view_of(const PackedHits& packed) {
  return {packed.caption_count,
          packed.image_count,
          packed.caption_slots,
          packed.caption_texts,
          packed.image_slots,
          packed.image_texts,
          nullptr};
}

HitTable unpack(PackedHits packed) {
  auto owner = std::make_shared<const PackedHits>(std::move(packed));
  auto view = view_of(*owner);
  view.owner = owner;
  return unpack(view);
}

HitTable unpack(const PackedHitsView& packed) {
  if (packed.caption_count > packed.caption_slots.size() / 2 ||
      packed.image_count > packed.image_slots.size() / 2)
    throw std::runtime_error("a hit table claims more slots than it holds");
  LargeVector<HitTable::Caption> captions(packed.caption_count);
  VarintReader caption_slots(packed.caption_slots);
  std::uint64_t at = 0;
  std::int64_t previous = 0;
  for (auto& c : captions) {
    c.image = previous =
        static_cast<std::int64_t>(static_cast<std::uint64_t>(previous) +
                                  static_cast<std::uint64_t>(unzigzag(caption_slots.next())));
    c.text_bytes = caption_slots.next();
    c.text_at = take(at, c.text_bytes, packed.caption_texts.size());
  }
  if (!caption_slots.done() || at != packed.caption_texts.size())
    throw std::runtime_error("a hit table's caption slots do not match its texts");

  LargeVector<HitTable::Image> images(packed.image_count);
  VarintReader image_slots(packed.image_slots);
  at = 0;
  for (auto& i : images) {
    const auto uri_bytes = image_slots.next(), metadata_bytes = image_slots.next();
    if (uri_bytes > UINT32_MAX || metadata_bytes > UINT32_MAX)
      throw std::runtime_error("a hit table slot points outside its table");
    i.at = take(at, uri_bytes + metadata_bytes, packed.image_texts.size());
    i.uri_bytes = static_cast<std::uint32_t>(uri_bytes);
    i.metadata_bytes = static_cast<std::uint32_t>(metadata_bytes);
  }
  if (!image_slots.done() || at != packed.image_texts.size())
    throw std::runtime_error("a hit table's image slots do not match their texts");
  return HitTable::from_tables(std::move(captions), TextArena(packed.caption_texts, packed.owner),
                               std::move(images), TextArena(packed.image_texts, packed.owner));
}

}  // namespace picdex::index
