#include "index/graph.hpp"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace picdex::index {
namespace {
constexpr std::size_t kInitialCapacity = 1024;
}

Graph::Graph(const GraphShape& shape)
    : shape_(shape),
      space_(std::make_unique<hnswlib::InnerProductSpace>(shape.dim)),
      hnsw_(std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), kInitialCapacity,
                                                              shape.m, shape.ef_construction)) {
  hnsw_->setEf(1);  // breadth is passed per search (see search())
}

Graph::Graph(const GraphShape& shape, const std::filesystem::path& snapshot)
    : shape_(shape), space_(std::make_unique<hnswlib::InnerProductSpace>(shape.dim)) {
  hnsw_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), snapshot.string());
  hnsw_->setEf(1);
  // hnswlib 0.6.2's loading constructor adds to an uninitialised num_deleted_: recount.
  hnsw_->num_deleted_ = 0;
  for (hnswlib::tableint id = 0; id < hnsw_->cur_element_count; ++id)
    hnsw_->num_deleted_ += hnsw_->isMarkedDeleted(id);
}

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
  const auto it = hnsw_->label_lookup_.find(static_cast<hnswlib::labeltype>(label));
  return it != hnsw_->label_lookup_.end() && !hnsw_->isMarkedDeleted(it->second);
}

void Graph::reserve(std::size_t needed) {
  if (needed <= hnsw_->max_elements_) return;
  hnsw_->resizeIndex(std::max(needed, hnsw_->max_elements_ * 2));
}

void Graph::add(std::span<const std::int64_t> labels, std::span<const float> vectors,
                unsigned threads) {
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
  if (contains(label)) hnsw_->markDelete(static_cast<hnswlib::labeltype>(label));
}

std::vector<Neighbor> Graph::search(std::span<const float> query, std::size_t n,
                                    std::size_t ef) const {
  // The graph's own ef stays 1, so searchKnn's breadth is max(1, asked): asking for
  // max(n, ef) results searches with that breadth and never writes shared state.
  auto queue = hnsw_->searchKnn(query.data(), std::max(n, ef));
  std::vector<Neighbor> out(queue.size());
  for (auto i = out.size(); i-- > 0; queue.pop())
    out[i] = {static_cast<std::int64_t>(queue.top().second), 1.0f - queue.top().first};
  if (out.size() > n) out.resize(n);
  return out;
}

std::vector<Neighbor> Graph::exact(std::span<const float> query, std::size_t n) const {
  std::vector<Neighbor> all;
  all.reserve(live());
  auto distance = hnsw_->fstdistfunc_;
  for (hnswlib::tableint id = 0; id < hnsw_->cur_element_count; ++id) {
    if (hnsw_->isMarkedDeleted(id)) continue;
    const float d = distance(query.data(), hnsw_->getDataByInternalId(id), hnsw_->dist_func_param_);
    all.push_back({static_cast<std::int64_t>(hnsw_->getExternalLabel(id)), 1.0f - d});
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

void Graph::save(const std::filesystem::path& path) const {
  hnsw_->saveIndex(path.string());
}

}  // namespace picdex::index
