// int8_graph: picdex's int8 graph against raw hnswlib's float32 graph, in one run on the
// same vectors.
//
//   int8_graph synthetic [N=100000] [DIM=512]     clustered unit vectors, seeded
//   int8_graph fvecs BASE QUERY [TRUTH.ivecs]     e.g. ../shared/data/bigann10k
//   int8_graph captions CAPTIONS.tsv [EMBEDDER]   e.g. ../shared/data/flickr8k
//   ... [--plot DATA.tsv]                         also writes recall/QPS points for a plot
//
// Builds raw hnswlib (float32, parallel addPoint) and two catalogues of the vectors, one
// with a float32 graph and one with an int8 graph, all with the same M and
// ef_construction. Then, per ef, one thread: QPS and recall@10 of raw searchKnn,
// Catalogue::search on each catalogue (the int8 one re-scores its candidates with SQLite's
// float32 vectors), in alternating timed rounds; the best round of each gives the ratio,
// the rounds' own ratios show the spread. Last, the graphs' sizes: snapshot files and
// layer-0 bytes per element.
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <picdex/picdex.hpp>
#include <string>
#include <thread>
#include <vector>

#include "datasets.hpp"
#include "index/hnsw_adapter.hpp"
#include "measure.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::size_t kM = 32, kEfConstruction = 200;
constexpr int kRounds = 5;
constexpr double kRoundSeconds = 0.25;  // a timed round passes over the queries this long
using bench::row;
using Found = std::vector<std::vector<std::size_t>>;

// One searcher's figures at one ef.
struct Side {
  using Search = std::function<void(std::size_t ef, std::size_t query, Found::value_type& found)>;
  Side(const char* n, Search s) : name(n), search(std::move(s)) {}
  const char* name;
  Search search;
  double best_qps = 0;
  std::vector<double> qps;  // per round
  Found found;
};

double timed(Side& side, std::size_t ef, std::size_t queries, std::size_t passes) {
  side.found.resize(queries);
  const auto start = bench::Clock::now();
  for (std::size_t pass = 0; pass < passes; ++pass)
    for (std::size_t i = 0; i < queries; ++i) {
      side.found[i].clear();
      side.search(ef, i, side.found[i]);
    }
  return static_cast<double>(queries * passes) / bench::seconds_since(start);
}

picdex::Catalogue build(const fs::path& path, const bench::Dataset& data,
                        picdex::GraphPrecision graph) {
  {
    auto cat = picdex::Catalogue::create(path, {.embedder = "none:dim=" + std::to_string(data.dim),
                                                .m = kM,
                                                .ef_construction = kEfConstruction,
                                                .graph = graph});
    bench::put_vectors(cat, data.base, data.dim, "");
  }  // closing saves the snapshot
  picdex::OpenOptions read_only;
  read_only.read_only = true;
  return picdex::Catalogue::open(path, read_only);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 3 && std::strcmp(argv[1], "--measure") == 0) return bench::measure(argv[2], argv + 3);
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string plot;
  if (args.size() >= 2 && args[args.size() - 2] == "--plot") {
    plot = args.back();
    args.resize(args.size() - 2);
  }
  bench::Dataset data;
  try {
    data = bench::from_arguments(args);
  } catch (const std::invalid_argument&) {
    std::fprintf(stderr,
                 "usage: int8_graph synthetic [N] [DIM] | fvecs BASE QUERY [TRUTH] | "
                 "captions CAPTIONS.tsv [EMBEDDER]  [--plot DATA.tsv]\n");
    return 64;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "int8_graph: %s\n", e.what());
    return 66;
  }
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t q = data.query_count(), dim = data.dim;
  std::printf("%s: %zu vectors x %zu, %zu queries, M %zu, ef_construction %zu\n", data.name.c_str(),
              data.n, dim, q, kM, kEfConstruction);

  hnswlib::InnerProductSpace space(dim);
  hnswlib::HierarchicalNSW<float> raw(&space, data.n, kM, kEfConstruction, 42);
  {
    std::vector<std::thread> pool;
    std::atomic<std::size_t> next{0};
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        for (std::size_t i; (i = next++) < data.n;) raw.addPoint(row(data.base, i, dim).data(), i);
      });
    for (auto& t : pool) t.join();
  }
  const auto folder = fs::temp_directory_path() / "picdex-int8-graph";
  fs::remove_all(folder);
  fs::create_directories(folder);
  auto float_cat = build(folder / "float.pdx", data, picdex::GraphPrecision::float32);
  auto int8_cat = build(folder / "int8.pdx", data, picdex::GraphPrecision::int8);

  auto catalogue_search = [&](picdex::Catalogue& cat) {
    return [&, c = &cat](std::size_t ef, std::size_t i, std::vector<std::size_t>& found) {
      for (const auto& h : c->search(row(data.queries, i, dim), {.k = bench::kK, .ef = ef}))
        found.push_back(std::stoul(h.uri));
    };
  };
  std::vector<Side> sides;
  sides.emplace_back("raw hnswlib float32",
                     [&](std::size_t ef, std::size_t i, std::vector<std::size_t>& found) {
                       raw.setEf(ef);
                       for (auto top = raw.searchKnn(row(data.queries, i, dim).data(), bench::kK);
                            !top.empty(); top.pop())
                         found.push_back(top.top().second);
                     });
  sides.emplace_back("picdex float32", catalogue_search(float_cat));
  sides.emplace_back("picdex int8", catalogue_search(int8_cat));

  // Plot points, one block per side (for bench/recall_qps.gp): recall, QPS, ef.
  std::vector<std::string> blocks(sides.size() + 1);
  std::printf("\nsearch, one thread, best of %d alternating rounds; ratios to raw hnswlib\n",
              kRounds);
  std::printf("  ef    %-22s QPS  recall   ratio   per round\n", "");
  for (const std::size_t ef : {16, 32, 64, 128, 256}) {
    for (auto& side : sides) {  // untimed: caches warm, the same pages touched
      timed(side, ef, q, 1);
      side.qps.clear();
      side.best_qps = 0;
    }
    const double one_pass = q / timed(sides[0], ef, q, 1);
    const auto passes =
        static_cast<std::size_t>(std::max(1.0, std::ceil(kRoundSeconds / one_pass)));
    for (int round = 0; round < kRounds; ++round)
      for (auto& side : sides) {
        side.qps.push_back(timed(side, ef, q, passes));
        side.best_qps = std::max(side.best_qps, side.qps.back());
      }
    for (auto& side : sides) {
      const double recall = bench::recall(side.found, data.truth);
      std::printf("  %-4zu  %-22s %8.0f   %.3f   %.2f   ", ef, side.name, side.best_qps, recall,
                  side.best_qps / sides[0].best_qps);
      for (int round = 0; round < kRounds; ++round)
        std::printf(" %.2f", side.qps[round] / sides[0].qps[round]);
      std::printf("\n");
      blocks[static_cast<std::size_t>(&side - sides.data())] += std::to_string(recall) + '\t' +
                                                                std::to_string(side.best_qps) +
                                                                '\t' + std::to_string(ef) + '\n';
    }
  }
  const auto start = bench::Clock::now();
  const auto exact = bench::exact_top_k(data);
  const double exact_qps = q / bench::seconds_since(start);
  std::printf("  any   %-22s %8.0f   %.3f   %.2f\n", "exact scan", exact_qps,
              bench::recall(exact, data.truth), exact_qps / sides[0].best_qps);
  blocks.back() = "1\t" + std::to_string(exact_qps) + "\t0\n";
  if (!plot.empty()) {
    std::ofstream points(plot);
    for (std::size_t b = 0; b < blocks.size(); ++b)
      points << '"' << (b < sides.size() ? sides[b].name : "exact scan") << "\"\tqps\tef\n"
             << blocks[b] << "\n\n";
  }

  // Cold start: a fresh `picdex search` process on each catalogue, one query.
  {
    std::ofstream out(folder / "q.txt");
    for (const float x : row(data.queries, 0, dim)) out << x << " ";
  }
  std::printf("\ncold start, fresh process, one query (best of 3)   seconds   peak RSS\n");
  bench::Run cold[2];
  for (int side = 0; side < 2; ++side) {
    cold[side] = bench::best_of_three({PICDEX_BINARY, "search",
                                       (folder / (side ? "int8.pdx" : "float.pdx")).string(),
                                       "--vector-file", (folder / "q.txt").string(), "-k", "10"});
    std::printf("  picdex search, %-7s graph                   %7.3f   %6.1f MB\n",
                side ? "int8" : "float32", cold[side].seconds, cold[side].peak_rss_kb / 1024.0);
  }
  std::printf("  ratio int8 / float32                         %7.2f   %6.2f\n",
              cold[1].seconds / cold[0].seconds,
              static_cast<double>(cold[1].peak_rss_kb) / cold[0].peak_rss_kb);

  const auto f = float_cat.stats(), i = int8_cat.stats();
  using picdex::index::hnsw_element_bytes, picdex::index::hnsw_vector_bytes;
  const double float_element =
      hnsw_element_bytes(hnsw_vector_bytes(dim, picdex::GraphPrecision::float32), kM);
  const double int8_element =
      hnsw_element_bytes(hnsw_vector_bytes(dim, picdex::GraphPrecision::int8), kM);
  std::printf("\ngraph sizes                 float32      int8   ratio\n");
  std::printf("  snapshot file (MB)       %8.1f  %8.1f   %.3f\n", f.graph_bytes / 1e6,
              i.graph_bytes / 1e6, static_cast<double>(i.graph_bytes) / f.graph_bytes);
  std::printf("  layer-0 element (bytes)  %8.0f  %8.0f   %.3f\n", float_element, int8_element,
              int8_element / float_element);
  std::printf("  database file (MB)       %8.1f  %8.1f\n", f.file_bytes / 1e6, i.file_bytes / 1e6);
  fs::remove_all(folder);
  return 0;
}
