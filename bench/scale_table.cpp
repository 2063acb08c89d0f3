// scale_table: how picdex grows, for README "Performance".
//
//   scale_table SIZE[,SIZE...] CAPTIONS.tsv [MORE.tsv...]
//
// For each SIZE, a catalogue of SIZE images with one caption each: the captions of the
// files in turn (image_id<TAB>index<TAB>caption), repeated under new URIs past their end,
// the built-in model and the default graph. Measured:
// - `picdex init` + `picdex import` of them as a TSV file, a fresh process: captions a
//   second (embedding included) and the import's peak RSS;
// - the files: database and graph snapshot;
// - a fresh `picdex search` process with one text query: seconds and peak RSS;
// - in this process, one thread, k 10: the latency of each search mode, p50 and p99, over
//   captions spread evenly as queries (200; fewer for keyword and hybrid above 100,000
//   captions, where a query costs seconds: then p99 is the slowest of them).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <picdex/picdex.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "datasets.hpp"
#include "measure.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::size_t kQueries = 200, kQueriesAboveTenfold = 20;

// The p-th percentile (0..1) of `ms`, nearest rank.
double percentile(std::vector<double> ms, double p) {
  std::sort(ms.begin(), ms.end());
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(ms.size()) + 0.999999);
  return ms[std::min(ms.size(), std::max<std::size_t>(rank, 1)) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 3 && std::string(argv[1]) == "--measure") return bench::measure(argv[2], argv + 3);
  if (argc < 3) {
    std::fprintf(stderr, "usage: scale_table SIZE[,SIZE...] CAPTIONS.tsv [MORE.tsv...]\n");
    return 64;
  }
  std::vector<std::size_t> sizes;
  std::stringstream list(argv[1]);
  for (std::string size; std::getline(list, size, ',');) sizes.push_back(std::stoul(size));
  const auto pool = bench::read_caption_texts({argv + 2, argv + argc});
  const auto folder = fs::temp_directory_path() / "picdex-scale-table";

  std::printf(
      "| captions | import (captions/s) | import peak RSS | database / snapshot | "
      "cold search, peak RSS | vector p50 / p99 | keyword p50 / p99 | hybrid p50 / p99 |\n"
      "|---|---|---|---|---|---|---|---|\n");
  for (const auto size : sizes) {
    fs::remove_all(folder);
    fs::create_directories(folder);
    const auto tsv = folder / "captions.tsv", path = folder / "c.pdx";
    {
      std::ofstream out(tsv);
      for (std::size_t i = 0; i < size; ++i)
        out << "img/" << i << '\t' << pool[i % pool.size()] << '\n';
    }
    const auto made = bench::run_measured({PICDEX_BINARY, "init", path.string()});
    const auto imported =
        bench::run_measured({PICDEX_BINARY, "import", path.string(), tsv.string()});
    if (made.seconds < 0 || imported.seconds < 0) {
      std::fprintf(stderr, "scale_table: picdex init or import failed at %zu\n", size);
      return 1;
    }
    const auto cold = bench::best_of_three(
        {PICDEX_BINARY, "search", path.string(), "a dog running in the snow", "-k", "10"});

    picdex::OpenOptions read_only;
    read_only.read_only = true;
    const auto cat = picdex::Catalogue::open(path, read_only);
    const auto stats = cat.stats();
    std::string cells;
    for (const auto mode :
         {picdex::SearchMode::vector, picdex::SearchMode::keyword, picdex::SearchMode::hybrid}) {
      const std::size_t queries =
          mode == picdex::SearchMode::vector || size <= 100000 ? kQueries : kQueriesAboveTenfold;
      cat.search(pool[0], {.mode = mode});  // warm: the model, the graph's pages
      std::vector<double> ms;
      for (std::size_t q = 0; q < queries; ++q) {
        const auto& text = pool[(q * pool.size() / queries + 7) % pool.size()];
        const auto start = bench::Clock::now();
        cat.search(text, {.k = 10, .mode = mode});
        ms.push_back(1000 * bench::seconds_since(start));
      }
      char cell[96];
      std::snprintf(cell, sizeof cell, " %.2f / %.2f ms%s |", percentile(ms, 0.5),
                    percentile(ms, 0.99), queries < 100 ? " (max of 20)" : "");
      cells += cell;
    }
    std::printf("| %zu | %.0f | %.0f MB | %.0f / %.0f MB | %.3f s, %.0f MB |%s\n", size,
                size / (made.seconds + imported.seconds), imported.peak_rss_kb / 1024.0,
                stats.file_bytes / 1e6, stats.graph_bytes / 1e6, cold.seconds,
                cold.peak_rss_kb / 1024.0, cells.c_str());
    std::fflush(stdout);
  }
  fs::remove_all(folder);
  return 0;
}
