// The one place that knows hnswlib's internals: this header, hnsw_adapter.cpp and
// hnsw_insert.cpp, the only files that include hnswlib. Everything else sees an HNSW graph
// through HnswIndex and the plain description of its memory below.
//
// Written for hnswlib 0.6.2's memory layout (Debian 12's libhnswlib-dev), layout 1:
// - layer 0 is one block of fixed-size elements: a link list (a 32-bit word holding the
//   count in its low 16 bits and the deleted mark in bit 16, then max_m0 32-bit ids), the
//   vector (dim floats, or an int8 code: int8_codes.hpp), the label (64 bits);
// - each element above layer 0 has one malloc'd block of link lists (count word, then m
//   ids each) for its layers 1..level.
// cmake/CheckHnswlibLayout.cmake refuses at configure time an hnswlib whose layout differs,
// and graph snapshots record kHnswLayout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "index/large_tables.hpp"
#include "picdex/catalogue.hpp"

namespace hnswlib {
template <typename T>
class SpaceInterface;
template <typename T>
class HierarchicalNSW;
}  // namespace hnswlib

namespace picdex::index {

inline constexpr std::uint64_t kHnswLayout = 1;

// Bytes of one link list holding up to `links` ids, of one vector as the graph holds it,
// and of one layer-0 element.
inline std::size_t hnsw_link_list_bytes(std::size_t links) {
  return 4 + 4 * links;
}
std::size_t hnsw_vector_bytes(std::size_t dim, GraphPrecision precision);
// The inner product of two float vectors by the float32 graph's kernel (float_kernel.hpp):
// the very score a float32 graph gives (1 - its distance), bit for bit.
float hnsw_inner_product(const float* a, const float* b, std::size_t dim);
inline std::size_t hnsw_element_bytes(std::size_t vector_bytes, std::size_t m) {
  return hnsw_link_list_bytes(2 * m) + vector_bytes + 8;
}

// Asks for every cache line of `bytes` at `p`. Searches fetch all of a node's unseen
// neighbours this way before scoring any, which keeps many memory reads in flight where
// hnswlib's loops fetch the first line of the next neighbour only.
inline void prefetch_lines(const char* p, std::size_t bytes) {
  for (std::size_t line = 0; line < bytes; line += 64) __builtin_prefetch(p + line);
}

// hnswlib's memory as plain numbers and pointers, for the search loop and snapshots.
// Valid until the index next changes.
struct HnswLayout {
  using Distance = float (*)(const void*, const void*, const void*);

  const char* level0 = nullptr;  // `count` elements of `element_bytes`
  std::size_t element_bytes = 0, vector_offset = 0, label_offset = 0;
  char* const* upper = nullptr;  // per element: its layers 1.. link lists, if any
  std::size_t upper_list_bytes = 0;
  const int* levels = nullptr;  // per element: its top layer
  std::size_t count = 0, capacity = 0, deleted = 0;
  std::size_t m = 0, max_m0 = 0, ef_construction = 0;
  double mult = 0;  // the level multiplier
  int max_level = -1;
  std::uint32_t entry_point = 0;
  Distance distance = nullptr;  // 1 - inner product (approximate for int8 codes)
  const void* distance_param = nullptr;

  const std::uint32_t* links0(std::uint32_t id) const {
    return reinterpret_cast<const std::uint32_t*>(level0 + id * element_bytes);
  }
  const std::uint32_t* links(std::uint32_t id, int level) const {
    return reinterpret_cast<const std::uint32_t*>(upper[id] + static_cast<std::size_t>(level - 1) *
                                                                  upper_list_bytes);
  }
  static std::size_t link_count(const std::uint32_t* list) { return list[0] & 0xffff; }
  bool is_deleted(std::uint32_t id) const {
    return (static_cast<unsigned char>(level0[id * element_bytes + 2]) & 0x01) != 0;
  }
  const char* vector(std::uint32_t id) const { return level0 + id * element_bytes + vector_offset; }
  std::int64_t label(std::uint32_t id) const {
    std::uint64_t label;
    std::memcpy(&label, level0 + id * element_bytes + label_offset, sizeof label);
    return static_cast<std::int64_t>(label);
  }
  float distance_to(const void* query, std::uint32_t id) const {
    return distance(query, vector(id), distance_param);
  }
};

// An hnswlib graph over unit vectors (inner product), labels = caption ids. It holds them
// as float32, or as int8 codes (int8_codes.hpp) in a space of its own.
class HnswIndex {
 public:
  HnswIndex(std::size_t dim, GraphPrecision precision, std::size_t m, std::size_t ef_construction,
            std::size_t capacity);
  ~HnswIndex();
  HnswIndex(const HnswIndex&) = delete;
  HnswIndex& operator=(const HnswIndex&) = delete;

  // An index whose layer 0 lies elsewhere (a mapped snapshot): `level0` holds `count`
  // elements with room for `capacity`, and is borrowed until grow() copies it. Upper
  // layers are copied, in one block, from `upper` (the lists of each element with a level
  // above 0, in id order). Searches may run at once; changes wait for index_labels().
  struct Parts {
    std::size_t dim;
    GraphPrecision precision;
    std::size_t m, ef_construction, count, deleted, capacity;
    double mult;
    int max_level;
    std::uint32_t entry_point;
    char* level0;
    std::span<const std::int32_t> levels;
    std::span<const char> upper;
  };
  static std::unique_ptr<HnswIndex> over(const Parts& parts);
  // Checks every layer-0 link and label and readies the index for changes; returns why
  // layer 0 is unsound, or nullopt.
  std::optional<std::string> index_labels();

  HnswLayout layout() const;
  GraphPrecision precision() const { return precision_; }
  // `query` in the form distances take: itself for float32, else its code in this
  // thread's buffer, valid until the thread's next call.
  const void* query_form(const float* query) const;
  std::size_t count() const;
  std::size_t capacity() const;
  std::size_t deleted() const;
  bool contains(std::int64_t label) const;   // present and not deleted; needs index_labels()
  bool has_label(std::int64_t label) const;  // present, deleted or not
  // Inserts a new label (encoding the vector for int8); safe from several threads at once
  // for distinct labels.
  void add(const float* vector, std::int64_t label);
  void mark_deleted(std::int64_t label);
  // Room for `capacity` elements; a borrowed layer 0 is copied to the heap first.
  void grow(std::size_t capacity);
  bool borrows_level0() const { return borrowed_; }

  // hnswlib's own file format (saveIndex, loadIndex): float32 graphs go to and come from
  // stock hnswlib unchanged (save_stock refuses an int8 graph).
  void save_stock(const std::filesystem::path& file) const;
  static std::unique_ptr<HnswIndex> load_stock(const std::filesystem::path& file, std::size_t dim);

 private:
  // An empty shell for over() and load_stock().
  HnswIndex(std::size_t dim, GraphPrecision precision);
  // hnswlib's addPoint of `point` (as the graph holds vectors) under `label`, with a faster
  // candidate search (hnsw_insert.cpp).
  void insert(const void* point, std::int64_t label);

  std::size_t dim_;
  GraphPrecision precision_;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  hnswlib::HierarchicalNSW<float>* hnsw_ = nullptr;  // owned; see ~HnswIndex
  bool borrowed_ = false;                            // layer 0 is not hnswlib's to free
  LargeVector<char> upper_lists_;                    // over()'s upper lists, not hnswlib's
};

}  // namespace picdex::index
