// Configure-time check (cmake/CheckHnswlibLayout.cmake): does the hnswlib found have the
// memory layout lib/src/index/hnsw_adapter.hpp was written for (layout 1, hnswlib 0.6.2)?
// It must compile (every field and function the adapter uses exists) and exit 0 (the
// layout is as described there). Prints what differs otherwise.
#include <hnswlib/hnswlib.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

int main() {
  constexpr std::size_t dim = 3, m = 4, n = 60;
  hnswlib::InnerProductSpace space(dim);
  hnswlib::HierarchicalNSW<float> h(&space, n, m, 50);
  float vectors[n][dim];
  for (std::size_t i = 0; i < n; ++i) {
    const float a = 0.1f * static_cast<float>(i), b = 0.37f * static_cast<float>(i);
    vectors[i][0] = std::cos(a) * std::cos(b);
    vectors[i][1] = std::sin(a) * std::cos(b);
    vectors[i][2] = std::sin(b);
    h.addPoint(vectors[i], 1000 + i);
  }
  h.markDelete(1003);
  int failures = 0;
  auto expect = [&](bool ok, const char* what) {
    if (!ok) std::printf("differs: %s\n", what), ++failures;
  };
  expect(sizeof(hnswlib::tableint) == 4 && sizeof(hnswlib::labeltype) == 8, "id and label sizes");
  expect(h.M_ == m && h.maxM_ == m && h.maxM0_ == 2 * m, "links per layer (M, 2M)");
  expect(h.size_links_level0_ == 4 + 4 * h.maxM0_ && h.offsetLevel0_ == 0, "layer-0 link list");
  expect(h.offsetData_ == h.size_links_level0_, "where an element's vector starts");
  expect(h.label_offset_ == h.offsetData_ + 4 * dim, "where an element's label starts");
  expect(h.size_data_per_element_ == h.label_offset_ + 8, "the size of an element");
  expect(h.size_links_per_element_ == 4 + 4 * m, "an upper-layer link list");
  expect(h.cur_element_count == n && h.max_elements_ == n && h.num_deleted_ == 1, "counts");
  for (hnswlib::tableint id = 0; id < h.cur_element_count; ++id) {
    const char* element = h.data_level0_memory_ + id * h.size_data_per_element_;
    std::uint64_t label;
    std::memcpy(&label, element + h.label_offset_, 8);
    if (label < 1000 || label >= 1000 + n || label != h.getExternalLabel(id) ||
        h.label_lookup_.count(label) == 0 || h.label_lookup_.at(label) != id) {
      expect(false, "where and how an element's label is stored");
      break;
    }
    expect(std::memcmp(element + h.offsetData_, vectors[label - 1000], 4 * dim) == 0, "the vector");
    std::uint32_t word;
    std::memcpy(&word, element, 4);
    expect((word & 0xffff) == h.getListCount(h.get_linklist0(id)), "the link count");
    expect(((word >> 16) & 1) == (h.isMarkedDeleted(id) ? 1u : 0u), "the deleted mark");
    expect(h.isMarkedDeleted(id) == (label == 1003), "which element is deleted");
    for (int level = 1; level <= h.element_levels_[id]; ++level)
      expect(reinterpret_cast<char*>(h.get_linklist(id, level)) ==
                 h.linkLists_[id] + (level - 1) * h.size_links_per_element_,
             "upper-layer link lists");
    const float d = h.fstdistfunc_(vectors[0], element + h.offsetData_, h.dist_func_param_);
    const auto* v = vectors[label - 1000];
    expect(
        std::fabs(d - (1 - (v[0] * vectors[0][0] + v[1] * vectors[0][1] + v[2] * vectors[0][2]))) <
            1e-5f,
        "the distance (1 - inner product)");
  }
  expect(h.maxlevel_ == h.element_levels_[h.enterpoint_node_], "the entry point");
  // What the adapter sets when it builds an index over a mapped layer 0.
  hnswlib::HierarchicalNSW<float> shell(&space);
  shell.cur_element_count = 0;
  shell.num_deleted_ = 0;
  shell.max_elements_ = 0;
  shell.data_level0_memory_ = nullptr;
  shell.linkLists_ = nullptr;
  shell.visited_list_pool_ = new hnswlib::VisitedListPool(1, 1);
  shell.ef_ = 10;
  shell.ef_construction_ = 50;
  shell.mult_ = shell.revSize_ = 1.0;
  shell.data_size_ = space.get_data_size();
  std::vector<std::mutex>(1).swap(shell.link_list_locks_);
  std::vector<std::mutex>(shell.max_update_element_locks).swap(shell.link_list_update_locks_);
  h.resizeIndex(2 * n);
  if (failures == 0) std::printf("hnswlib layout 1\n");
  return failures;
}
