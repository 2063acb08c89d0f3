// picdex's graphs and stock hnswlib's are one format: a graph picdex saved (in its own
// snapshot) loads in stock hnswlib and searches the same, and an index stock hnswlib
// saved loads in picdex and searches the same. A separate binary: it includes hnswlib,
// as the library does (hnswlib 0.6.2's header defines functions that must not be linked
// twice into one program without --allow-multiple-definition).
#include <hnswlib/hnswlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "index/float_kernel.hpp"
#include "index/graph.hpp"
#include "index/hnsw_adapter.hpp"
#include "index/snapshot.hpp"
#include "support.hpp"

// The library's copy of hnswlib's header globals and this file's are the same definitions
// (linked with --allow-multiple-definition): AddressSanitizer need not report them.
extern "C" const char* __asan_default_options() {
  return "detect_odr_violation=0";
}

using namespace picdex;
using picdex::index::Graph;
using picdex::index::GraphShape;

namespace {

constexpr std::size_t kDim = 24, kM = 8, kCount = 3000, kEf = 40, kK = 10;

std::vector<float> unit_vectors(std::size_t n, unsigned seed) {
  return test::random_unit_vectors(n, kDim, seed);
}

// Stock hnswlib's answer, nearest first.
std::vector<std::int64_t> stock_search(hnswlib::HierarchicalNSW<float>& stock, const float* q) {
  stock.setEf(kEf);
  auto found = stock.searchKnn(q, kK);
  std::vector<std::int64_t> out(found.size());
  for (auto i = found.size(); i-- > 0; found.pop())
    out[i] = static_cast<std::int64_t>(found.top().second);
  return out;
}

std::vector<std::int64_t> picdex_search(const Graph& graph, const float* q) {
  std::vector<std::int64_t> out;
  for (const auto& n : graph.search({q, kDim}, kK, kEf)) out.push_back(n.label);
  return out;
}

// The snapshot of `graph` saved beside `catalogue`, mapped again.
Graph saved_and_mapped(const Graph& graph, const std::filesystem::path& catalogue) {
  index::HitTable rows;
  const auto file = index::write_snapshot(graph, rows, catalogue, 1);
  index::HitTable loaded;
  auto mapped = Graph::map(graph.shape(), file.path, file.bytes, file.checksum, loaded);
  REQUIRE(!mapped.make_writable());
  return mapped;
}

}  // namespace

TEST_CASE("a graph picdex saved loads in stock hnswlib and searches the same", "[hnswlib]") {
  test::TempDir dir;
  const GraphShape shape{kDim, kM, 100};
  Graph graph(shape);
  const auto vectors = unit_vectors(kCount, 1);
  std::vector<std::int64_t> labels(kCount);
  for (std::size_t i = 0; i < kCount; ++i) labels[i] = static_cast<std::int64_t>(1000 + 7 * i);
  graph.add(labels, vectors, 2);
  for (std::size_t i = 0; i < kCount; i += 10) graph.remove(labels[i]);  // some deleted too
  const auto mapped = saved_and_mapped(graph, dir / "c.pdx");
  mapped.hnsw().save_stock(dir / "stock.bin");

  hnswlib::InnerProductSpace space(kDim);
  // As stock hnswlib 0.6.2 loads an index, less one bug: its loading constructor counts
  // deleted elements up from an uninitialised field.
  hnswlib::HierarchicalNSW<float> stock(&space);
  stock.num_deleted_ = 0;
  stock.loadIndex((dir / "stock.bin").string(), &space);
  CHECK(stock.cur_element_count == kCount);
  CHECK(stock.num_deleted_ == kCount / 10);
  const auto queries = unit_vectors(200, 2);
  std::size_t same = 0;
  for (std::size_t q = 0; q < 200; ++q) {
    const auto ours = picdex_search(mapped, &queries[q * kDim]);
    CHECK(ours.size() == kK);
    same += ours == stock_search(stock, &queries[q * kDim]);
    CHECK(ours == picdex_search(graph, &queries[q * kDim]));  // mapped = as built
  }
  CHECK(same == 200);
}

TEST_CASE("an index stock hnswlib saved loads in picdex and searches the same", "[hnswlib]") {
  test::TempDir dir;
  hnswlib::InnerProductSpace space(kDim);
  hnswlib::HierarchicalNSW<float> stock(&space, kCount, kM, 100);
  const auto vectors = unit_vectors(kCount, 3);
  for (std::size_t i = 0; i < kCount; ++i) stock.addPoint(&vectors[i * kDim], 5 * i);
  for (std::size_t i = 0; i < kCount; i += 7) stock.markDelete(5 * i);
  stock.saveIndex((dir / "stock.bin").string());

  auto graph = Graph::adopt({kDim, kM, 100}, index::HnswIndex::load_stock(dir / "stock.bin", kDim));
  CHECK(graph.elements() == kCount);
  CHECK(graph.deleted() == (kCount + 6) / 7);
  CHECK(graph.contains(5));
  CHECK_FALSE(graph.contains(0));
  const auto queries = unit_vectors(200, 4);
  std::size_t same = 0;
  const auto mapped = saved_and_mapped(graph, dir / "c.pdx");  // and through a snapshot
  for (std::size_t q = 0; q < 200; ++q) {
    const auto ours = picdex_search(graph, &queries[q * kDim]);
    same += ours == stock_search(stock, &queries[q * kDim]);
    CHECK(picdex_search(mapped, &queries[q * kDim]) == ours);
  }
  CHECK(same == 200);
  // It takes new points as any picdex graph does.
  const auto more = unit_vectors(1, 5);
  graph.add(std::vector<std::int64_t>{99999}, more);
  CHECK(picdex_search(graph, more.data()).front() == 99999);
}

TEST_CASE("a stock hnswlib file of another dimension is refused", "[hnswlib]") {
  test::TempDir dir;
  hnswlib::InnerProductSpace space(kDim);
  hnswlib::HierarchicalNSW<float> stock(&space, 10, kM, 100);
  const auto vectors = unit_vectors(1, 6);
  stock.addPoint(vectors.data(), 1);
  stock.saveIndex((dir / "stock.bin").string());
  CHECK_THROWS_WITH(index::HnswIndex::load_stock(dir / "stock.bin", kDim + 1),
                    Catch::Contains("another dimension"));
}

namespace {

// Stock hnswlib's inner-product space, but scoring with the float32 graph's own kernel, so
// that both builds below see the very same distances.
class KernelSpace final : public hnswlib::SpaceInterface<float> {
 public:
  std::size_t get_data_size() override { return kDim * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return index::float_distance; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  std::size_t dim_ = kDim;
};

std::string bytes_of(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("picdex's insertion builds the very graph hnswlib's addPoint builds", "[hnswlib]") {
  // One thread, so that both draw the same levels in the same order: every link of every
  // layer must come out the same, byte for byte in hnswlib's own file format.
  test::TempDir dir;
  const auto vectors = unit_vectors(kCount, 5);
  index::HnswIndex ours(kDim, GraphPrecision::float32, kM, 100, kCount);
  KernelSpace space;
  hnswlib::HierarchicalNSW<float> stock(&space, kCount, kM, 100);
  for (std::size_t i = 0; i < kCount; ++i) {
    ours.add(&vectors[i * kDim], static_cast<std::int64_t>(10 + i));
    stock.addPoint(&vectors[i * kDim], 10 + i);
  }
  ours.save_stock(dir / "ours.bin");
  stock.saveIndex((dir / "stock.bin").string());
  const auto built = bytes_of(dir / "ours.bin");
  CHECK(built.size() > kCount * kDim * sizeof(float));
  CHECK(built == bytes_of(dir / "stock.bin"));
}
