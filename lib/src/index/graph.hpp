// The HNSW graph over caption vectors (hnswlib, inner-product space on unit vectors).
// Labels are caption ids. Not synchronised: callers allow concurrent search() and
// exact() only while nothing mutates the graph. graph.cpp changes it, graph_search.cpp
// searches it, graph_file.cpp saves and maps it; all three see hnswlib only through
// hnsw_adapter.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "index/hit_table.hpp"
#include "picdex/catalogue.hpp"

namespace picdex::index {

class HnswIndex;

struct Neighbor {
  std::int64_t label;
  float score;  // inner product = cosine similarity for unit vectors (approximate for int8)
};

struct GraphShape {
  std::size_t dim = 0;
  std::size_t m = 16;
  std::size_t ef_construction = 200;
  GraphPrecision precision = GraphPrecision::float32;
};

// A snapshot file that cannot be used; what() is a one-line reason ("fails its checksum").
struct SnapshotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Graph {
 public:
  explicit Graph(const GraphShape& shape);
  // Maps the snapshot at `path` (see snapshot_format.hpp), which the manifest says is
  // `bytes` long with XXH3-64 `checksum` (16 hex digits), and fills `hits` from it. The
  // graph keeps the snapshot's precision, whatever `shape` says.
  // Checks the header and the small sections; layer 0 is left unchecked, for searches
  // only, until make_writable(). Throws SnapshotError.
  static Graph map(const GraphShape& shape, const std::filesystem::path& path, std::uint64_t bytes,
                   const std::string& checksum, HitTable& hits);
  // How many deleted elements the header of that snapshot records, read without mapping
  // it (nothing beyond the header is checked); nullopt if the header is not sound.
  static std::optional<std::uint64_t> recorded_deleted(const GraphShape& shape,
                                                       const std::filesystem::path& path,
                                                       std::uint64_t bytes);
  Graph(Graph&&) noexcept;
  Graph& operator=(Graph&&) noexcept;
  ~Graph();

  const GraphShape& shape() const { return shape_; }
  // Scores from search() and exact() are approximate (int8 codes): re-score them exactly.
  bool approximate() const { return shape_.precision != GraphPrecision::float32; }
  // How far an approximate score of `query` may be from the exact one (0 when exact).
  float score_margin(std::span<const float> query) const;
  // The exact score of `query` against a stored vector: what a float32 graph would give.
  static float exact_score(std::span<const float> query, std::span<const float> stored);
  std::size_t elements() const;  // deleted ones included
  std::size_t deleted() const;
  std::size_t live() const { return elements() - deleted(); }
  bool contains(std::int64_t label) const;  // present and not deleted

  // False only for a mapped snapshot whose layer 0 is unchecked: then only searches,
  // elements(), deleted() and labels() may be used.
  bool writable() const { return unchecked_.empty(); }
  // Checks a mapped snapshot whole (its checksum, and every link in range) and readies
  // the graph for changes. Returns why the file fails, or nullopt (also when writable).
  std::optional<std::string> make_writable();
  // The snapshot this graph was mapped from (empty if built in memory).
  const std::filesystem::path& mapped_file() const { return file_; }

  // Adds points whose labels are not in the graph (others are skipped), using up to
  // `threads` threads. vectors holds labels.size() * dim floats.
  void add(std::span<const std::int64_t> labels, std::span<const float> vectors,
           unsigned threads = 1);
  void remove(std::int64_t label);  // no-op if absent

  // Up to n best live points, best first, searching with breadth max(n, ef). Safe to
  // call from several threads at once; the first form reuses `out`'s storage.
  void search(std::span<const float> query, std::size_t n, std::size_t ef,
              std::vector<Neighbor>& out) const;
  std::vector<Neighbor> search(std::span<const float> query, std::size_t n, std::size_t ef) const;
  // The same by exhaustive scan: exact, for small graphs, filtered searches and checking
  // recall. With `keep`, only the labels it accepts count (and only they are scored).
  std::vector<Neighbor> exact(std::span<const float> query, std::size_t n,
                              const std::function<bool(std::int64_t)>& keep = {}) const;
  // Every live label.
  std::vector<std::int64_t> labels() const;

  // Writes the graph and `hits` (compacted) to `fd` in snapshot format. Returns the
  // XXH3-64 of the bytes written. Throws SnapshotError if a write fails. Needs writable().
  std::uint64_t write(int fd, const HitTable& hits) const;

  // The hnswlib index itself, to exchange graphs with stock hnswlib (HnswIndex::save_stock
  // and load_stock): a graph made of one, and the one this graph holds.
  static Graph adopt(const GraphShape& shape, std::unique_ptr<HnswIndex> index);
  const HnswIndex& hnsw() const { return *hnsw_; }

 private:
  // A region of address space holding layer 0: the snapshot's block mapped copy-on-write,
  // followed by anonymous memory for room to grow; and the snapshot file, kept open so
  // that it can be checked even after a newer save removed its name. Released on
  // destruction.
  struct Mapping {
    void* address = nullptr;
    std::size_t bytes = 0;
    int fd = -1;
    Mapping(void* a, std::size_t b, int f) : address(a), bytes(b), fd(f) {}
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping();
  };
  Graph(const GraphShape& shape, std::unique_ptr<HnswIndex> index);
  void reserve(std::size_t elements);
  void require_writable() const;

  GraphShape shape_;
  std::unique_ptr<Mapping> mapping_;  // layer 0's memory while it is the mapped file's
  std::unique_ptr<HnswIndex> hnsw_;   // after mapping_, which it may borrow from
  std::filesystem::path file_;        // the mapped snapshot
  std::string unchecked_;             // its manifest checksum, until make_writable()
};

}  // namespace picdex::index
