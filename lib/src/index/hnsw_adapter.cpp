// HnswIndex: every access to hnswlib's fields and functions but insertion's
// (hnsw_insert.cpp; see hnsw_adapter.hpp).
#include "index/hnsw_adapter.hpp"

#include <hnswlib/hnswlib.h>

#include <cstdlib>
#include <new>
#include <stdexcept>
#include <vector>

#include "index/float_kernel.hpp"
#include "index/int8_codes.hpp"
#include "index/large_tables.hpp"

namespace picdex::index {
namespace {

// hnswlib's space for a graph's vectors: their size and distance (picdex's kernels,
// float_kernel.hpp and int8_codes.hpp, rather than hnswlib's own).
class Space final : public hnswlib::SpaceInterface<float> {
 public:
  Space(std::size_t dim, GraphPrecision precision) : dim_(dim), precision_(precision) {}
  std::size_t get_data_size() override { return hnsw_vector_bytes(dim_, precision_); }
  hnswlib::DISTFUNC<float> get_dist_func() override {
    return precision_ == GraphPrecision::int8 ? int8_distance : float_distance;
  }
  void* get_dist_func_param() override { return &dim_; }

 private:
  std::size_t dim_;
  GraphPrecision precision_;
};

// `vector` encoded for an int8 graph, in this thread's buffer.
const void* int8_form(const float* vector, std::size_t dim) {
  thread_local std::vector<char> code;
  code.resize(int8_code_bytes(dim));
  int8_encode(vector, dim, code.data());
  return code.data();
}

}  // namespace

std::size_t hnsw_vector_bytes(std::size_t dim, GraphPrecision precision) {
  return precision == GraphPrecision::int8 ? int8_code_bytes(dim) : 4 * dim;
}

float hnsw_inner_product(const float* a, const float* b, std::size_t dim) {
  return 1.0f - float_distance(a, b, &dim);
}

HnswIndex::HnswIndex(std::size_t dim, GraphPrecision precision, std::size_t m,
                     std::size_t ef_construction, std::size_t capacity)
    : dim_(dim),
      precision_(precision),
      space_(std::make_unique<Space>(dim, precision)),
      hnsw_(new hnswlib::HierarchicalNSW<float>(space_.get(), capacity, m, ef_construction)) {}

HnswIndex::HnswIndex(std::size_t dim, GraphPrecision precision)
    : dim_(dim),
      precision_(precision),
      space_(std::make_unique<Space>(dim, precision)),
      hnsw_(new hnswlib::HierarchicalNSW<float>(space_.get())) {
  // hnswlib's bare constructor initialises nothing: start from an empty graph, so that
  // destruction is safe whatever happens next.
  auto& h = *hnsw_;
  h.cur_element_count = 0;
  h.num_deleted_ = 0;
  h.max_elements_ = 0;
  h.data_level0_memory_ = nullptr;
  h.linkLists_ = nullptr;
  h.visited_list_pool_ = nullptr;
}

HnswIndex::~HnswIndex() {
  auto& h = *hnsw_;
  if (borrowed_) h.data_level0_memory_ = nullptr;  // its owner releases it
  // Nor are the upper lists that over() put in upper_lists_ (hnswlib frees the lists of
  // elements with a level above 0; those that inserts add stay its own).
  if (!upper_lists_.empty()) {
    const auto first = reinterpret_cast<std::uintptr_t>(upper_lists_.data());
    for (std::size_t id = 0; id < h.cur_element_count; ++id)
      if (h.element_levels_[id] > 0 &&
          reinterpret_cast<std::uintptr_t>(h.linkLists_[id]) - first < upper_lists_.size())
        h.linkLists_[id] = nullptr;
  }
  delete hnsw_;
}

std::unique_ptr<HnswIndex> HnswIndex::over(const Parts& p) {
  std::unique_ptr<HnswIndex> index(new HnswIndex(p.dim, p.precision));
  auto& h = *index->hnsw_;
  h.data_level0_memory_ = p.level0;
  index->borrowed_ = true;
  // The fields as hnswlib's own loader sets them.
  h.max_elements_ = p.capacity;
  const std::size_t vector_bytes = hnsw_vector_bytes(p.dim, p.precision);
  h.size_data_per_element_ = hnsw_element_bytes(vector_bytes, p.m);
  h.M_ = h.maxM_ = p.m;
  h.maxM0_ = 2 * p.m;
  h.ef_construction_ = std::max(p.ef_construction, p.m);
  h.ef_ = 10;
  h.mult_ = p.mult;
  h.revSize_ = 1.0 / p.mult;
  h.maxlevel_ = p.max_level;
  // hnswlib marks an empty graph by an entry point of -1 (its first insert checks for it).
  h.enterpoint_node_ = p.count ? p.entry_point : static_cast<hnswlib::tableint>(-1);
  h.size_links_level0_ = hnsw_link_list_bytes(h.maxM0_);
  h.size_links_per_element_ = hnsw_link_list_bytes(p.m);
  h.offsetLevel0_ = 0;
  h.offsetData_ = h.size_links_level0_;
  h.label_offset_ = h.size_links_level0_ + vector_bytes;
  h.data_size_ = index->space_->get_data_size();
  h.fstdistfunc_ = index->space_->get_dist_func();
  h.dist_func_param_ = index->space_->get_dist_func_param();
  h.num_deleted_ = p.deleted;
  h.element_levels_.assign(p.capacity, 0);
  if (p.capacity > SIZE_MAX / sizeof(char*)) throw std::bad_alloc();
  h.linkLists_ = static_cast<char**>(calloc_large(p.capacity * sizeof(char*)));
  if (!h.linkLists_) throw std::bad_alloc();
  // The upper lists, in one block of this index's (hnswlib's own inserts allocate theirs).
  index->upper_lists_.assign(p.upper.begin(), p.upper.end());
  char* next = index->upper_lists_.data();
  for (std::size_t id = 0; id < p.count; ++id) {
    if (p.levels[id] == 0) continue;
    h.linkLists_[id] = next;
    next += static_cast<std::size_t>(p.levels[id]) * h.size_links_per_element_;
    h.element_levels_[id] = p.levels[id];
  }
  h.cur_element_count = p.count;
  return index;
}

std::optional<std::string> HnswIndex::index_labels() {
  auto& h = *hnsw_;
  h.label_lookup_.clear();
  h.label_lookup_.reserve(h.cur_element_count);
  std::size_t deleted = 0;
  for (hnswlib::tableint id = 0; id < h.cur_element_count; ++id) {
    const auto* list = reinterpret_cast<const std::uint32_t*>(h.get_linklist0(id));
    const std::uint32_t n = list[0] & 0xffff;
    if (n > h.maxM0_) return "element " + std::to_string(id) + " has too many links";
    for (std::uint32_t j = 1; j <= n; ++j)
      if (list[j] >= h.cur_element_count)
        return "element " + std::to_string(id) + " links out of range";
    if (!h.label_lookup_.emplace(h.getExternalLabel(id), id).second)
      return "holds label " + std::to_string(h.getExternalLabel(id)) + " twice";
    deleted += h.isMarkedDeleted(id);
  }
  if (deleted != h.num_deleted_) return "marks another number of elements deleted than its header";
  std::vector<std::mutex>(h.max_elements_).swap(h.link_list_locks_);
  std::vector<std::mutex>(h.max_update_element_locks).swap(h.link_list_update_locks_);
  delete h.visited_list_pool_;
  h.visited_list_pool_ = new hnswlib::VisitedListPool(1, static_cast<int>(h.max_elements_));
  return std::nullopt;
}

HnswLayout HnswIndex::layout() const {
  const auto& h = *hnsw_;
  HnswLayout l;
  l.level0 = h.data_level0_memory_;
  l.element_bytes = h.size_data_per_element_;
  l.vector_offset = h.offsetData_;
  l.label_offset = h.label_offset_;
  l.upper = h.linkLists_;
  l.upper_list_bytes = h.size_links_per_element_;
  l.levels = h.element_levels_.data();
  l.count = h.cur_element_count;
  l.capacity = h.max_elements_;
  l.deleted = h.num_deleted_;
  l.m = h.M_;
  l.max_m0 = h.maxM0_;
  l.ef_construction = h.ef_construction_;
  l.mult = h.mult_;
  l.max_level = h.cur_element_count ? h.maxlevel_ : -1;
  l.entry_point = h.cur_element_count ? h.enterpoint_node_ : 0;
  l.distance = h.fstdistfunc_;
  l.distance_param = h.dist_func_param_;
  return l;
}

std::size_t HnswIndex::count() const {
  return hnsw_->cur_element_count;
}

std::size_t HnswIndex::capacity() const {
  return hnsw_->max_elements_;
}

std::size_t HnswIndex::deleted() const {
  return hnsw_->num_deleted_;
}

bool HnswIndex::contains(std::int64_t label) const {
  const auto it = hnsw_->label_lookup_.find(static_cast<hnswlib::labeltype>(label));
  return it != hnsw_->label_lookup_.end() && !hnsw_->isMarkedDeleted(it->second);
}

bool HnswIndex::has_label(std::int64_t label) const {
  return hnsw_->label_lookup_.count(static_cast<hnswlib::labeltype>(label)) > 0;
}

const void* HnswIndex::query_form(const float* query) const {
  return precision_ == GraphPrecision::int8 ? int8_form(query, dim_) : query;
}

void HnswIndex::add(const float* vector, std::int64_t label) {
  insert(query_form(vector), label);
}

void HnswIndex::mark_deleted(std::int64_t label) {
  hnsw_->markDelete(static_cast<hnswlib::labeltype>(label));
}

void HnswIndex::grow(std::size_t capacity) {
  auto& h = *hnsw_;
  if (capacity <= h.max_elements_) return;
  if (borrowed_) {
    // hnswlib grows layer 0 with realloc(): give it a heap copy of the borrowed block, at
    // the new size already, so that its realloc below has nothing to move.
    auto* heap = static_cast<char*>(std::malloc(capacity * h.size_data_per_element_));
    if (!heap) throw std::bad_alloc();
    std::memcpy(heap, h.data_level0_memory_, h.cur_element_count * h.size_data_per_element_);
    h.data_level0_memory_ = heap;
    borrowed_ = false;
  }
  h.resizeIndex(capacity);
}

void HnswIndex::save_stock(const std::filesystem::path& file) const {
  if (precision_ != GraphPrecision::float32)
    throw std::runtime_error(file.string() + ": stock hnswlib holds float32 graphs, not int8");
  hnsw_->saveIndex(file.string());
}

std::unique_ptr<HnswIndex> HnswIndex::load_stock(const std::filesystem::path& file,
                                                 std::size_t dim) {
  std::unique_ptr<HnswIndex> index(new HnswIndex(dim, GraphPrecision::float32));
  auto& h = *index->hnsw_;
  h.loadIndex(file.string(), index->space_.get());
  if (h.size_data_per_element_ != hnsw_element_bytes(4 * dim, h.M_) || h.maxM0_ != 2 * h.M_ ||
      h.offsetData_ != hnsw_link_list_bytes(h.maxM0_))
    throw std::runtime_error(file.string() + ": an hnswlib index of another dimension or layout");
  return index;
}

}  // namespace picdex::index
