// scale_run: a catalogue of a million vectors, end to end: import, close, reopen, search.
//
//   scale_run [N=1000000] [DIM=128]
//
// Vectors are bench::synthetic's clustered unit vectors, put as external vectors in
// transactions of 10,000 images. Reports times, file sizes, peak RSS (this process, and a
// fresh `picdex search` process), open times and single-thread search QPS with recall@10
// against an exact scan.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <picdex/picdex.hpp>
#include <string>
#include <vector>

#include "datasets.hpp"
#include "measure.hpp"

namespace {

namespace fs = std::filesystem;

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

picdex::OpenOptions read_only(bool yes) {
  picdex::OpenOptions o;
  o.read_only = yes;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 3 && std::string(argv[1]) == "--measure") return bench::measure(argv[2], argv + 3);
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::size_t dim = argc > 2 ? std::stoul(argv[2]) : 128;
  auto start = bench::Clock::now();
  const auto data = bench::synthetic(n, dim);
  std::printf("%s: generated with exact top-10 of %zu queries in %.1f s\n", data.name.c_str(),
              data.query_count(), bench::seconds_since(start));

  const auto folder = fs::temp_directory_path() / "picdex-scale";
  fs::remove_all(folder);
  fs::create_directories(folder);
  const auto path = folder / "c.pdx";
  start = bench::Clock::now();
  double put_seconds = 0;
  {
    auto cat = picdex::Catalogue::create(path, {.embedder = "none:dim=" + std::to_string(dim)});
    std::vector<picdex::Image> batch;
    for (std::size_t i = 0; i < n; ++i) {
      const float* v = data.base.data() + i * dim;
      batch.emplace_back(std::to_string(i), std::vector<std::string>{"v"}, "{}",
                         std::vector<std::vector<float>>{{v, v + dim}});
      if (batch.size() == 10000 || i + 1 == n) {
        cat.put(batch);
        batch.clear();
        if ((i + 1) % 100000 == 0)
          std::fprintf(stderr, "  %zu imported, %.0f s\n", i + 1, bench::seconds_since(start));
      }
    }
    put_seconds = bench::seconds_since(start);
  }
  const double import_seconds = bench::seconds_since(start);
  std::printf("import: put %.1f s, put + close (final snapshot) %.1f s, %.0f vectors/s\n",
              put_seconds, import_seconds, n / import_seconds);
  std::printf("peak RSS of this process so far: %.0f MB (the dataset itself is %.0f MB)\n",
              peak_rss_mb(), (data.base.size() * 4) / 1048576.0);

  const auto stats = picdex::Catalogue::open(path, read_only(true)).stats();
  std::printf("files: database %.0f MB, graph snapshot %.0f MB\n", stats.file_bytes / 1e6,
              stats.graph_bytes / 1e6);

  {
    std::ofstream out(folder / "q.txt");
    for (std::size_t d = 0; d < dim; ++d) out << data.queries[d] << " ";
  }
  const auto cold = bench::best_of_three({PICDEX_BINARY, "search", path.string(), "--vector-file",
                                          (folder / "q.txt").string(), "-k", "10"});
  std::printf("cold `picdex search` (fresh process, best of 3): %.3f s, peak RSS %.0f MB\n",
              cold.seconds, cold.peak_rss_kb / 1024.0);

  for (const bool ro : {true, false}) {
    start = bench::Clock::now();
    auto cat = picdex::Catalogue::open(path, read_only(ro));
    std::printf("open %s: %.3f s%s\n", ro ? "read-only " : "read-write",
                bench::seconds_since(start), ro ? "" : " (checks the snapshot whole)");
    if (!ro) continue;
    const std::size_t q = data.query_count();
    for (std::size_t ef : {64, 128}) {
      std::vector<std::vector<std::size_t>> found(q);
      start = bench::Clock::now();
      for (std::size_t i = 0; i < q; ++i)
        for (const auto& h : cat.search(std::span<const float>(data.queries.data() + i * dim, dim),
                                        {.k = 10, .ef = ef}))
          found[i].push_back(std::stoul(h.uri));
      std::printf("  search ef %-4zu %6.0f QPS (one thread, first pass), recall@10 %.3f\n", ef,
                  q / bench::seconds_since(start), bench::recall(found, data.truth));
    }
  }
  std::printf("peak RSS of this process: %.0f MB\n", peak_rss_mb());
  fs::remove_all(folder);
  return 0;
}
