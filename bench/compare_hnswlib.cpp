// compare_hnswlib: picdex against raw hnswlib on the same vectors in the same run.
//
//   compare_hnswlib synthetic [N=100000] [DIM=512]   clustered unit vectors, seeded
//   compare_hnswlib fvecs BASE.fvecs QUERY.fvecs   (e.g. ../shared/data/bigann10k)
//
// Prints, side by side and as ratios: ingest throughput (raw hnswlib's parallel build vs
// Catalogue::put of the same vectors with the "none" embedder, same M, ef_construction
// and threads), then single-thread search QPS and recall@10 per ef for raw searchKnn,
// Catalogue::search (one caption per image) and an exact scan.
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <picdex/picdex.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kM = 32, kEfConstruction = 200, kK = 10;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Data {
  std::size_t n = 0, dim = 0;
  std::vector<float> base;                      // n x dim, unit length
  std::vector<float> queries;                   // q x dim, unit length
  std::vector<std::vector<std::size_t>> truth;  // top-k ids per query (cosine)
  std::string name;
};

void normalise(std::vector<float>& v, std::size_t dim) {
  for (std::size_t i = 0; i < v.size(); i += dim) {
    double s = 0;
    for (std::size_t d = 0; d < dim; ++d) s += static_cast<double>(v[i + d]) * v[i + d];
    const auto scale = static_cast<float>(1 / std::sqrt(std::max(s, 1e-30)));
    for (std::size_t d = 0; d < dim; ++d) v[i + d] *= scale;
  }
}

// Exact top-k by inner product over unit vectors (cosine).
void exact_truth(Data& data) {
  const std::size_t q = data.queries.size() / data.dim;
  data.truth.assign(q, {});
  std::vector<std::pair<float, std::size_t>> scored(data.n);
  for (std::size_t i = 0; i < q; ++i) {
    const float* query = data.queries.data() + i * data.dim;
    for (std::size_t j = 0; j < data.n; ++j) {
      float s = 0;
      const float* v = data.base.data() + j * data.dim;
      for (std::size_t d = 0; d < data.dim; ++d) s += query[d] * v[d];
      scored[j] = {-s, j};
    }
    std::partial_sort(scored.begin(), scored.begin() + kK, scored.end());
    for (std::size_t r = 0; r < kK; ++r) data.truth[i].push_back(scored[r].second);
  }
}

Data synthetic(std::size_t n, std::size_t dim) {
  Data data{n, dim, {}, {}, {}, "synthetic " + std::to_string(n) + " x " + std::to_string(dim)};
  std::mt19937_64 rng(42);
  std::normal_distribution<float> normal;
  const std::size_t clusters = 100;
  std::vector<float> centres(clusters * dim);
  for (auto& c : centres) c = normal(rng);
  auto draw = [&](std::vector<float>& out, std::size_t count) {
    out.resize(count * dim);
    for (std::size_t i = 0; i < count; ++i) {
      const float* c = centres.data() + (rng() % clusters) * dim;
      for (std::size_t d = 0; d < dim; ++d) out[i * dim + d] = c[d] + 0.7f * normal(rng);
    }
    normalise(out, dim);
  };
  draw(data.base, n);
  draw(data.queries, 500);
  exact_truth(data);
  return data;
}

std::vector<float> read_fvecs(const std::string& path, std::size_t& dim) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  std::vector<float> out;
  std::int32_t d;
  while (in.read(reinterpret_cast<char*>(&d), 4)) {
    dim = static_cast<std::size_t>(d);
    const auto at = out.size();
    out.resize(at + dim);
    in.read(reinterpret_cast<char*>(out.data() + at), static_cast<std::streamsize>(dim * 4));
  }
  return out;
}

// Vectors from files (SIFT, say). picdex searches by cosine, so both sides get unit
// vectors and the truth is recomputed exactly for cosine; a file's own L2 ground truth
// does not apply.
Data fvecs(const std::string& base, const std::string& queries) {
  Data data;
  data.base = read_fvecs(base, data.dim);
  data.queries = read_fvecs(queries, data.dim);
  data.n = data.base.size() / data.dim;
  normalise(data.base, data.dim);
  normalise(data.queries, data.dim);
  data.name = base;
  exact_truth(data);
  return data;
}

double recall(const std::vector<std::vector<std::size_t>>& found, const Data& data) {
  std::size_t hit = 0;
  for (std::size_t i = 0; i < found.size(); ++i)
    for (auto id : found[i])
      hit += std::find(data.truth[i].begin(), data.truth[i].end(), id) != data.truth[i].end();
  return static_cast<double>(hit) / static_cast<double>(found.size() * kK);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string kind = argc > 1 ? argv[1] : "synthetic";
  Data data;
  if (kind == "fvecs" && argc == 4) {
    data = fvecs(argv[2], argv[3]);
  } else if (kind == "synthetic") {
    data = synthetic(argc > 2 ? std::stoul(argv[2]) : 100000, argc > 3 ? std::stoul(argv[3]) : 512);
  } else {
    std::fprintf(stderr, "usage: compare_hnswlib synthetic [N] [DIM] | fvecs BASE QUERY\n");
    return 64;
  }
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t q = data.queries.size() / data.dim;
  std::printf("%s: %zu vectors x %zu, %zu queries, M %zu, ef_construction %zu, %u threads\n",
              data.name.c_str(), data.n, data.dim, q, kM, kEfConstruction, threads);

  // Ingest: raw hnswlib, parallel addPoint of distinct labels.
  hnswlib::InnerProductSpace space(data.dim);
  auto start = Clock::now();
  hnswlib::HierarchicalNSW<float> raw(&space, data.n, kM, kEfConstruction, 42);
  {
    std::vector<std::thread> pool;
    std::atomic<std::size_t> next{0};
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        for (std::size_t i; (i = next++) < data.n;)
          raw.addPoint(data.base.data() + i * data.dim, i);
      });
    for (auto& t : pool) t.join();
  }
  const double raw_build = since(start);

  // Ingest: picdex, the same vectors as external vectors, 10,000 images a transaction.
  const auto folder = std::filesystem::temp_directory_path() / "picdex-compare";
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  start = Clock::now();
  {
    auto cat = picdex::Catalogue::create(folder / "c.pdx",
                                         {.embedder = "none:dim=" + std::to_string(data.dim),
                                          .m = kM,
                                          .ef_construction = kEfConstruction});
    std::vector<picdex::Image> batch;
    for (std::size_t i = 0; i < data.n; ++i) {
      const float* v = data.base.data() + i * data.dim;
      batch.emplace_back(std::to_string(i), std::vector<std::string>{"v"}, "{}",
                         std::vector<std::vector<float>>{{v, v + data.dim}});
      if (batch.size() == 10000 || i + 1 == data.n) {
        cat.put(batch);
        batch.clear();
      }
    }
  }  // closing saves the snapshot
  const double picdex_build = since(start);
  std::printf("\ningest                 vectors/s   ratio\n");
  std::printf("  raw hnswlib        %10.0f   1.00\n", data.n / raw_build);
  std::printf("  picdex put+close   %10.0f   %.2f\n", data.n / picdex_build,
              raw_build / picdex_build);

  auto cat = picdex::Catalogue::open(folder / "c.pdx");
  std::printf("\nsearch, one thread    raw QPS  recall   picdex QPS  recall   QPS ratio\n");
  for (std::size_t ef : {16, 32, 64, 128, 256}) {
    std::vector<std::vector<std::size_t>> raw_found(q), ours_found(q);
    raw.setEf(ef);
    start = Clock::now();
    for (std::size_t i = 0; i < q; ++i) {
      auto top = raw.searchKnn(data.queries.data() + i * data.dim, kK);
      for (; !top.empty(); top.pop()) raw_found[i].push_back(top.top().second);
    }
    const double raw_qps = q / since(start);
    start = Clock::now();
    for (std::size_t i = 0; i < q; ++i) {
      const auto hits =
          cat.search(std::span<const float>(data.queries.data() + i * data.dim, data.dim),
                     {.k = kK, .ef = ef});
      for (const auto& h : hits) ours_found[i].push_back(std::stoul(h.uri));
    }
    const double ours_qps = q / since(start);
    std::printf("  ef %-4zu          %9.0f   %.3f   %10.0f   %.3f   %.2f\n", ef, raw_qps,
                recall(raw_found, data), ours_qps, recall(ours_found, data), ours_qps / raw_qps);
  }
  start = Clock::now();
  std::vector<std::vector<std::size_t>> exact_found(q);
  {
    Data copy = data;
    exact_truth(copy);
    exact_found = copy.truth;
  }
  std::printf("  exact scan       %9.0f   %.3f\n", q / since(start), recall(exact_found, data));

  // Cold start: a fresh `picdex search` process against a fresh raw hnswlib process that
  // loads the same graph (picdex snapshots are hnswlib index files) and answers one query.
  cat = picdex::Catalogue::open(folder / "c.pdx");  // closes the earlier handle first
  cat.checkpoint();
  const auto stats = cat.stats();
  std::string snapshot;
  for (const auto& e : std::filesystem::directory_iterator(folder))
    if (e.path().filename().string().find(".graph-") != std::string::npos) snapshot = e.path();
  {
    std::ofstream out(folder / "q.txt");
    for (std::size_t d = 0; d < data.dim; ++d) out << data.queries[d] << " ";
  }
  std::string raw_args =
      std::string(PICDEX_RAW_LOAD_QUERY) + " " + snapshot + " " + std::to_string(data.dim);
  for (std::size_t d = 0; d < data.dim; ++d) {
    raw_args += ' ';
    raw_args += std::to_string(data.queries[d]);
  }
  const std::string ours_args = std::string(PICDEX_BINARY) + " search " +
                                (folder / "c.pdx").string() + " --vector-file " +
                                (folder / "q.txt").string() + " -k 10";
  auto best_of_three = [](const std::string& command) {
    double best = 1e9;
    for (int i = 0; i < 3; ++i) {
      const auto t = Clock::now();
      if (std::system((command + " > /dev/null").c_str()) != 0) return -1.0;
      best = std::min(best, since(t));
    }
    return best;
  };
  const double raw_cold = best_of_three(raw_args), ours_cold = best_of_three(ours_args);
  std::printf("\ncold start, fresh process, one query (best of 3; files in the page cache)\n");
  std::printf("  raw hnswlib loadIndex + searchKnn   %7.3f s   1.00\n", raw_cold);
  std::printf("  picdex search                       %7.3f s   %.2f\n", ours_cold,
              ours_cold / raw_cold);
  std::printf("  files: graph %.1f MB, database %.1f MB\n", stats.graph_bytes / 1e6,
              stats.file_bytes / 1e6);
  std::filesystem::remove_all(folder);
  return 0;
}
