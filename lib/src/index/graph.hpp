// The HNSW graph over caption vectors (hnswlib, inner-product space on unit vectors).
// Labels are caption ids. Not synchronised: callers allow concurrent search() and
// exact() only while nothing mutates the graph.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

namespace hnswlib {
class InnerProductSpace;
template <typename T>
class HierarchicalNSW;
}  // namespace hnswlib

namespace picdex::index {

struct Neighbor {
  std::int64_t label;
  float score;  // inner product = cosine similarity for unit vectors
};

struct GraphShape {
  std::size_t dim = 0;
  std::size_t m = 16;
  std::size_t ef_construction = 200;
};

class Graph {
 public:
  explicit Graph(const GraphShape& shape);
  // Loads a snapshot that validate_snapshot() accepted for the same shape.
  Graph(const GraphShape& shape, const std::filesystem::path& snapshot);
  Graph(Graph&&) noexcept;
  Graph& operator=(Graph&&) noexcept;
  ~Graph();

  const GraphShape& shape() const { return shape_; }
  std::size_t elements() const;  // deleted ones included
  std::size_t deleted() const;
  std::size_t live() const { return elements() - deleted(); }
  bool contains(std::int64_t label) const;  // present and not deleted

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
  // The same by exhaustive scan: exact, for small graphs and for checking recall.
  std::vector<Neighbor> exact(std::span<const float> query, std::size_t n) const;
  // Every live label.
  std::vector<std::int64_t> labels() const;

  // Writes hnswlib's format to `path`; the caller syncs and validates it.
  void save(const std::filesystem::path& path) const;

 private:
  void reserve(std::size_t elements);

  GraphShape shape_;
  std::unique_ptr<hnswlib::InnerProductSpace> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw_;
};

}  // namespace picdex::index
