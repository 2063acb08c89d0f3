// HnswIndex::insert: hnswlib 0.6.2's addPoint for a new label, with its candidate search
// (searchBaseLayer) done the way graph_search.cpp searches: a node's unseen neighbours are
// read under its link lock and every cache line of their vectors asked for (faster there
// than after the lock is let go), then they are scored outside the lock. The graph it
// builds is hnswlib's (on one thread, byte for byte: tests/hnswlib_compat_test.cpp): the
// same levels, the same neighbour choice and linking (getNeighborsByHeuristic2 and
// mutuallyConnectNewElement, hnswlib's own), the same layout. Labels already present go to
// hnswlib's addPoint, which updates them.
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <vector>

#include "index/hnsw_adapter.hpp"
#include "index/visited_marks.hpp"

namespace picdex::index {
namespace {

using Hnsw = hnswlib::HierarchicalNSW<float>;
using hnswlib::tableint;
using Candidate = std::pair<float, tableint>;  // distance, internal id
// hnswlib's queue of the nearest found: the farthest on top.
using Nearest = std::priority_queue<Candidate, std::vector<Candidate>, Hnsw::CompareByFirst>;

// Per-thread state of the candidate search, reused by every insertion the thread makes.
struct InsertScratch {
  VisitedMarks visited;
  std::vector<Candidate> to_expand;  // min-heap by distance
  std::vector<tableint> unseen;      // of the node being expanded

  void begin(std::size_t elements) {
    visited.begin(elements);
    to_expand.clear();
  }
};

constexpr auto expand_order = [](const Candidate& a, const Candidate& b) {
  return a.first > b.first;
};

class Inserter {
 public:
  Inserter(Hnsw& h, const void* point)
      : h_(h), point_(point), vector_bytes_(h.data_size_), s_(scratch()) {}

  float distance(tableint id) const {
    return h_.fstdistfunc_(point_, h_.getDataByInternalId(id), h_.dist_func_param_);
  }

  // Reads `id`'s links at `layer` under its lock into s_.unseen (all, or the unvisited
  // ones), asking for every cache line of their vectors.
  void read_links(tableint id, int layer, bool unvisited_only) {
    s_.unseen.clear();
    std::unique_lock<std::mutex> lock(h_.link_list_locks_[id]);
    hnswlib::linklistsizeint* list = layer == 0 ? h_.get_linklist0(id) : h_.get_linklist(id, layer);
    const std::size_t size = h_.getListCount(list);
    const auto* ids = reinterpret_cast<const tableint*>(list + 1);
    for (std::size_t j = 0; j < size; ++j) {
      const tableint next = ids[j];
      if (unvisited_only && !s_.visited.first_visit(next)) continue;
      s_.unseen.push_back(next);
      prefetch_lines(h_.getDataByInternalId(next), vector_bytes_);
    }
  }

  // Greedy descent from `from` through layers top..stop+1 (hnswlib's, above the new
  // element's level).
  tableint descend(tableint from, int top, int stop) {
    tableint current = from;
    float current_distance = distance(current);
    for (int layer = top; layer > stop; --layer) {
      for (bool moved = true; moved;) {
        moved = false;
        read_links(current, layer, false);
        for (const tableint next : s_.unseen) {
          if (next > h_.max_elements_) throw std::runtime_error("cand error");  // (hnswlib's check)
          const float d = distance(next);
          if (d < current_distance) {
            current_distance = d;
            current = next;
            moved = true;
          }
        }
      }
    }
    return current;
  }

  // hnswlib's searchBaseLayer: the ef_construction nearest found from `entry` on `layer`.
  Nearest nearest(tableint entry, int layer) {
    s_.begin(h_.max_elements_);
    Nearest found;
    float bound = std::numeric_limits<float>::max();
    if (!h_.isMarkedDeleted(entry)) {
      bound = distance(entry);
      found.emplace(bound, entry);
    }
    push(bound, entry);
    s_.visited.first_visit(entry);
    while (!s_.to_expand.empty()) {
      const Candidate next = s_.to_expand.front();
      if (next.first > bound && found.size() == h_.ef_construction_) break;
      std::pop_heap(s_.to_expand.begin(), s_.to_expand.end(), expand_order);
      s_.to_expand.pop_back();
      read_links(next.second, layer, true);
      for (const tableint id : s_.unseen) {
        const float d = distance(id);
        if (found.size() < h_.ef_construction_ || d < bound) {
          push(d, id);
          if (!h_.isMarkedDeleted(id)) found.emplace(d, id);
          if (found.size() > h_.ef_construction_) found.pop();
          if (!found.empty()) bound = found.top().first;
        }
      }
    }
    return found;
  }

 private:
  static InsertScratch& scratch() {
    thread_local InsertScratch s;
    return s;
  }
  void push(float d, tableint id) {
    s_.to_expand.emplace_back(d, id);
    std::push_heap(s_.to_expand.begin(), s_.to_expand.end(), expand_order);
  }

  Hnsw& h_;
  const void* point_;
  std::size_t vector_bytes_;
  InsertScratch& s_;
};

}  // namespace

void HnswIndex::insert(const void* point, std::int64_t label) {
  auto& h = *hnsw_;
  const auto external = static_cast<hnswlib::labeltype>(label);
  tableint id = 0;
  {
    std::unique_lock<std::mutex> count_lock(h.cur_element_count_guard_);
    if (h.label_lookup_.count(external) > 0) {
      count_lock.unlock();
      h.addPoint(point, external);  // an update: hnswlib's own path
      return;
    }
    if (h.cur_element_count >= h.max_elements_)
      throw std::runtime_error("The number of elements exceeds the specified limit");
    id = static_cast<tableint>(h.cur_element_count++);
    h.label_lookup_[external] = id;
  }
  std::unique_lock<std::mutex> update_lock(
      h.link_list_update_locks_[id & (Hnsw::max_update_element_locks - 1)]);
  std::unique_lock<std::mutex> element_lock(h.link_list_locks_[id]);
  // The level, the top level and the entry point are read under the global lock (hnswlib
  // draws the level outside it); it stays held while this element becomes the new top.
  std::unique_lock<std::mutex> global_lock(h.global);
  const int level = h.getRandomLevel(h.mult_);
  const int top = h.maxlevel_;
  const tableint entry = h.enterpoint_node_;
  if (level <= top) global_lock.unlock();
  h.element_levels_[id] = level;

  std::memset(h.data_level0_memory_ + id * h.size_data_per_element_ + h.offsetLevel0_, 0,
              h.size_data_per_element_);
  std::memcpy(h.getExternalLabeLp(id), &external, sizeof external);
  std::memcpy(h.getDataByInternalId(id), point, h.data_size_);
  if (level > 0) {
    const std::size_t bytes = h.size_links_per_element_ * static_cast<std::size_t>(level) + 1;
    h.linkLists_[id] = static_cast<char*>(std::malloc(bytes));
    if (h.linkLists_[id] == nullptr)
      throw std::runtime_error("Not enough memory: addPoint failed to allocate linklist");
    std::memset(h.linkLists_[id], 0, bytes);
  }

  if (static_cast<int>(entry) == -1) {  // the first element
    h.enterpoint_node_ = id;
    h.maxlevel_ = level;
    return;
  }
  Inserter inserter(h, point);
  tableint current = level < top ? inserter.descend(entry, top, level) : entry;
  const bool entry_deleted = h.isMarkedDeleted(entry);
  for (int layer = std::min(level, top); layer >= 0; --layer) {
    Nearest found = inserter.nearest(current, layer);
    if (entry_deleted) {
      found.emplace(inserter.distance(entry), entry);
      if (found.size() > h.ef_construction_) found.pop();
    }
    current = h.mutuallyConnectNewElement(point, id, found, layer, false);
  }
  if (level > top) {
    h.enterpoint_node_ = id;
    h.maxlevel_ = level;
  }
}

}  // namespace picdex::index
