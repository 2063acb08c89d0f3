// raw_load_query: what a fresh process of raw hnswlib pays to answer one query from a
// saved index: loadIndex (which copies the whole graph into memory) and searchKnn.
// The baseline of compare_hnswlib's cold start.
//   raw_load_query INDEX DIM QUERY_FLOATS...
#include <hnswlib/hnswlib.h>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: raw_load_query INDEX DIM QUERY...\n");
    return 64;
  }
  const std::size_t dim = std::stoul(argv[2]);
  std::vector<float> query;
  for (int i = 3; i < argc; ++i) query.push_back(std::stof(argv[i]));
  if (query.size() != dim) return 65;
  hnswlib::InnerProductSpace space(dim);
  hnswlib::HierarchicalNSW<float> index(&space);  // (see compare_hnswlib.cpp's note)
  index.num_deleted_ = 0;
  index.loadIndex(argv[1], &space);
  index.setEf(128);
  auto top = index.searchKnn(query.data(), 10);
  std::printf("%zu\n", static_cast<std::size_t>(top.top().second));
  return 0;
}
