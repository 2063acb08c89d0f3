// How a snapshot (version 3) stores a HitTable: each arena's texts in slot order, so a
// slot needs only lengths, written as LEB128 varints. Caption slots: the image id's
// difference from the previous slot's (zigzag), then the text's length. Image slots: the
// URI's length, then the metadata's. About 4 bytes a caption where the in-memory slots
// take 56.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "index/hit_table.hpp"

namespace picdex::index {

struct PackedHits {
  std::uint64_t caption_count = 0, image_count = 0;
  std::string caption_slots, caption_texts, image_slots, image_texts;
};

// The same sections where they lie (a mapped snapshot), kept alive by `owner`.
struct PackedHitsView {
  std::uint64_t caption_count = 0, image_count = 0;
  std::string_view caption_slots, caption_texts, image_slots, image_texts;
  std::shared_ptr<const void> owner;
};

// A view of `packed`'s own strings (no owner: `packed` must outlive it).
PackedHitsView view_of(const PackedHits& packed);

PackedHits pack(const HitTable& hits);

// The table `packed` holds; throws std::runtime_error with a one-line reason if its slots
// do not decode to exactly its counts and arenas. The table reads its texts in place.
HitTable unpack(const PackedHitsView& packed);
HitTable unpack(PackedHits packed);

}  // namespace picdex::index
