// The graph snapshot file, laid out to be memory-mapped rather than read:
//
//   [0, 64 KiB)       SnapshotHeader, zero-padded
//   layer 0           count * element_bytes: hnswlib's own layer-0 block, byte for byte
//                     (links, vector, label per element), at a 64 KiB-aligned offset so
//                     it can be mapped in place
//   levels            count int32: each element's top layer
//   upper layers      the layer 1.. link lists of the elements above layer 0, in id order
//   hit table         the HitTable as of the save, packed (packed_hits.hpp; 8-byte aligned):
//                     caption slots, caption texts, image slots, image texts. Versions 1
//                     and 2 wrote HitTable's in-memory slots instead (24 and 32 bytes each).
//
// Opening maps layer 0 and reads the other sections, which the header's checksum covers;
// layer 0 itself is only read as searches touch it. The manifest's checksum covers the
// whole file and is checked before anything changes the graph (see Graph::make_writable).
// All numbers are little-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace picdex::index {

// Version 3 packs the hit table. Versions 1 and 2 are still read: version 2 ends its header
// at `precision`; version 1 ends it at `checksum`, and was only ever written in hnswlib
// layout 1.
inline constexpr char kSnapshotMagic[8] = {'P', 'D', 'X', 'G', 'R', 'A', 'F', '3'};
inline constexpr char kSnapshotMagicV2[8] = {'P', 'D', 'X', 'G', 'R', 'A', 'F', '2'};
inline constexpr char kSnapshotMagicV1[8] = {'P', 'D', 'X', 'G', 'R', 'A', 'F', '1'};
inline constexpr std::size_t kSnapshotHeaderV1Bytes = 192;
inline constexpr std::size_t kSnapshotHeaderV2Bytes = 208;
inline constexpr std::uint64_t kSnapshotAlign = 64 * 1024;  // any page size divides it

struct SnapshotHeader {
  char magic[8];
  std::uint64_t dim, m, max_m0, ef_construction;
  double mult;  // hnswlib's level multiplier
  std::uint64_t count, deleted;
  std::int64_t max_level;
  std::uint64_t entry_point;
  std::uint64_t element_bytes;
  std::uint64_t level0_offset, levels_offset, upper_offset, upper_bytes;
  std::uint64_t caption_slots_offset, caption_count, caption_texts_offset, caption_texts_bytes;
  std::uint64_t image_slots_offset, image_count, image_texts_offset, image_texts_bytes;
  std::uint64_t checksum;     // XXH3-64 of this header (with checksum 0) and all but layer 0
  std::uint64_t hnsw_layout;  // version 2 on
  std::uint64_t precision;    // 0 float32, 1 int8 (GraphPrecision); 0 before int8 graphs
  std::uint64_t caption_slots_bytes, image_slots_bytes;  // version 3 on: packed sizes
};

// How checksums are written in the manifest: 16 lower-case hex digits.
inline std::string checksum_hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace picdex::index
