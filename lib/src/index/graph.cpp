// Graph: building and changing the HNSW graph. (graph_search.cpp searches it and
// graph_file.cpp saves and maps it.)
#include "index/graph.hpp"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace picdex::index {
namespace {
constexpr std::size_t kInitialCapacity = 1024;
}

Graph::Graph(const GraphShape& shape)
    : shape_(shape),
      space_(std::make_unique<hnswlib::InnerProductSpace>(shape.dim)),
      hnsw_(new hnswlib::HierarchicalNSW<float>(space_.get(), kInitialCapacity, shape.m,
                                                shape.ef_construction),
            HnswDelete{false}) {}

Graph::Graph(Graph&&) noexcept = default;
Graph& Graph::operator=(Graph&&) noexcept = default;
Graph::~Graph() = default;

std::size_t Graph::elements() const {
  return hnsw_->cur_element_count;
}
std::size_t Graph::deleted() const {
  return hnsw_->num_deleted_;
}

bool Graph::contains(std::int64_t label) const {
  require_writable();
  const auto it = hnsw_->label_lookup_.find(static_cast<hnswlib::labeltype>(label));
  return it != hnsw_->label_lookup_.end() && !hnsw_->isMarkedDeleted(it->second);
}

void Graph::HnswDelete::operator()(hnswlib::HierarchicalNSW<float>* hnsw) const {
  if (level0_mapped) hnsw->data_level0_memory_ = nullptr;  // the Mapping unmaps it
  delete hnsw;
}

void Graph::require_writable() const {
  if (!writable())
    throw std::logic_error("graph snapshot " + file_.string() + " changed before it was checked");
}

void Graph::reserve(std::size_t needed) {
  if (needed <= hnsw_->max_elements_) return;
  const std::size_t capacity = std::max(needed, hnsw_->max_elements_ * 2);
  if (hnsw_.get_deleter().level0_mapped) {
    // hnswlib grows layer 0 with realloc(): give it a heap copy of the mapped block, at the
    // new size already, so that its realloc below has nothing to move.
    const std::size_t bytes = capacity * hnsw_->size_data_per_element_;
    auto* heap = static_cast<char*>(std::malloc(bytes));
    if (!heap) throw std::bad_alloc();
    std::memcpy(heap, hnsw_->data_level0_memory_,
                hnsw_->cur_element_count * hnsw_->size_data_per_element_);
    hnsw_->data_level0_memory_ = heap;
    hnsw_.get_deleter().level0_mapped = false;
    mapping_.reset();
  }
  hnsw_->resizeIndex(capacity);
}

void Graph::add(std::span<const std::int64_t> labels, std::span<const float> vectors,
                unsigned threads) {
  require_writable();
  std::vector<std::size_t> fresh;  // positions of labels not yet in the graph
  fresh.reserve(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (!hnsw_->label_lookup_.count(static_cast<hnswlib::labeltype>(labels[i]))) fresh.push_back(i);
  reserve(elements() + fresh.size());

  auto insert = [&](std::size_t i) {
    hnsw_->addPoint(vectors.data() + i * shape_.dim, static_cast<hnswlib::labeltype>(labels[i]));
  };
  // hnswlib inserts distinct new labels safely from several threads; it is only worth it
  // for batches large enough to amortise the threads.
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(fresh.size() / 256)));
  if (threads <= 1) {
    for (auto i : fresh) insert(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      try {
        for (std::size_t j; (j = next++) < fresh.size();) insert(fresh[j]);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        failure = std::current_exception();
        next = fresh.size();
      }
    });
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

void Graph::remove(std::int64_t label) {
  require_writable();
  if (contains(label)) hnsw_->markDelete(static_cast<hnswlib::labeltype>(label));
}

std::vector<Neighbor> Graph::exact(std::span<const float> query, std::size_t n,
                                   const std::function<bool(std::int64_t)>& keep) const {
  std::vector<Neighbor> all;
  all.reserve(keep ? 0 : live());
  auto distance = hnsw_->fstdistfunc_;
  for (hnswlib::tableint id = 0; id < hnsw_->cur_element_count; ++id) {
    if (hnsw_->isMarkedDeleted(id)) continue;
    const auto label = static_cast<std::int64_t>(hnsw_->getExternalLabel(id));
    if (keep && !keep(label)) continue;
    const float d = distance(query.data(), hnsw_->getDataByInternalId(id), hnsw_->dist_func_param_);
    all.push_back({label, 1.0f - d});
  }
  const auto better = [](const Neighbor& a, const Neighbor& b) {
    return a.score != b.score ? a.score > b.score : a.label < b.label;
  };
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), better);
  all.resize(n);
  return all;
}

std::vector<std::int64_t> Graph::labels() const {
  std::vector<std::int64_t> out;
  out.reserve(live());
  for (hnswlib::tableint id = 0; id < hnsw_->cur_element_count; ++id)
    if (!hnsw_->isMarkedDeleted(id))
      out.push_back(static_cast<std::int64_t>(hnsw_->getExternalLabel(id)));
  return out;
}

}  // namespace picdex::index
