// Graph: building and changing the HNSW graph. (graph_search.cpp searches it and
// graph_file.cpp saves and maps it.)
#include "index/graph.hpp"

#include <algorithm>

#include "index/hnsw_adapter.hpp"
#include "index/int8_codes.hpp"
#include "threads/parallel_for.hpp"

namespace picdex::index {
namespace {
constexpr std::size_t kInitialCapacity = 1024;
}

Graph::Graph(const GraphShape& shape)
    : shape_(shape),
      hnsw_(std::make_unique<HnswIndex>(shape.dim, shape.precision, shape.m, shape.ef_construction,
                                        kInitialCapacity)) {}

Graph::Graph(const GraphShape& shape, std::unique_ptr<HnswIndex> index)
    : shape_(shape), hnsw_(std::move(index)) {}

Graph Graph::adopt(const GraphShape& shape, std::unique_ptr<HnswIndex> index) {
  if (index->layout().m != shape.m || index->precision() != shape.precision)
    throw std::invalid_argument("an hnswlib index of another M or precision than the graph's");
  return Graph(shape, std::move(index));
}

Graph::Graph(Graph&&) noexcept = default;
Graph& Graph::operator=(Graph&&) noexcept = default;
Graph::~Graph() = default;

std::size_t Graph::elements() const {
  return hnsw_->count();
}
std::size_t Graph::deleted() const {
  return hnsw_->deleted();
}

bool Graph::contains(std::int64_t label) const {
  require_writable();
  return hnsw_->contains(label);
}

void Graph::require_writable() const {
  if (!writable())
    throw std::logic_error("graph snapshot " + file_.string() + " changed before it was checked");
}

void Graph::reserve(std::size_t needed) {
  const auto capacity = hnsw_->capacity();
  if (needed <= capacity) return;
  hnsw_->grow(std::max(needed, capacity * 2));
  if (!hnsw_->borrows_level0()) mapping_.reset();  // layer 0 is on the heap now
}

void Graph::add(std::span<const std::int64_t> labels, std::span<const float> vectors,
                unsigned threads) {
  require_writable();
  std::vector<std::size_t> fresh;  // positions of labels not yet in the graph
  fresh.reserve(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (!hnsw_->has_label(labels[i])) fresh.push_back(i);
  reserve(elements() + fresh.size());

  auto insert = [&](std::size_t i) { hnsw_->add(vectors.data() + i * shape_.dim, labels[i]); };
  // hnswlib inserts distinct new labels safely from several threads; it is only worth it
  // for batches large enough to amortise the threads.
  parallel_for(fresh.size(), std::min<unsigned>(threads, fresh.size() / 256),
               [&](std::size_t j) { insert(fresh[j]); });
}

void Graph::remove(std::int64_t label) {
  require_writable();
  if (contains(label)) hnsw_->mark_deleted(label);
}

std::vector<Neighbor> Graph::exact(std::span<const float> query, std::size_t n,
                                   const std::function<bool(std::int64_t)>& keep) const {
  std::vector<Neighbor> all;
  all.reserve(keep ? 0 : live());
  const auto h = hnsw_->layout();
  const void* q = hnsw_->query_form(query.data());
  for (std::uint32_t id = 0; id < h.count; ++id) {
    if (h.is_deleted(id)) continue;
    const auto label = h.label(id);
    if (keep && !keep(label)) continue;
    all.push_back({label, 1.0f - h.distance_to(q, id)});
  }
  const auto better = [](const Neighbor& a, const Neighbor& b) {
    return a.score != b.score ? a.score > b.score : a.label < b.label;
  };
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), better);
  all.resize(n);
  return all;
}

float Graph::score_margin(std::span<const float> query) const {
  return approximate() ? int8_score_margin(query.data(), query.size()) : 0.0f;
}

float Graph::exact_score(std::span<const float> query, std::span<const float> stored) {
  return hnsw_inner_product(query.data(), stored.data(), query.size());
}

std::vector<std::int64_t> Graph::labels() const {
  std::vector<std::int64_t> out;
  out.reserve(live());
  const auto h = hnsw_->layout();
  for (std::uint32_t id = 0; id < h.count; ++id)
    if (!h.is_deleted(id)) out.push_back(h.label(id));
  return out;
}

}  // namespace picdex::index
