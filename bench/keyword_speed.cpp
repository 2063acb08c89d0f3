// Keyword and hybrid search against plain SQLite FTS5, in one process, on one catalogue.
//
//   keyword_speed SIZE[,SIZE...] CAPTIONS.tsv [MORE.tsv...]
//
// For each SIZE, a catalogue of SIZE images with one caption each, the captions of the
// files in turn (repeated, under new URIs, past their end; the default model, M 16,
// ef_construction 64: the graph is not what is measured). Captions spread evenly are the
// queries, as a user types them: 200 up to 40,000 captions, fewer above (as many as take
// about as long), at least 10. Five alternating rounds time:
// - plain FTS5: on its own connection to the same file, the MATCH query picdex runs (the
//   query's words but stop words, each quoted, OR-ed), `bm25()` top 10, every row read;
// - picdex `--mode keyword`, `--mode vector` and `--mode hybrid`, k = 10, through
//   Catalogue::search (embedding the query included).
// Ratios are of best rounds: keyword speed as FTS5 time / keyword time (≥ 1 is as fast
// or faster), hybrid time / (vector + keyword time).
#include <picdex/picdex.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "datasets.hpp"
#include "measure.hpp"
#include "store/keywords.hpp"

namespace {

constexpr std::size_t kMostQueries = 200, kRounds = 5, kK = 10;

std::filesystem::path build_catalogue(std::size_t size, const std::vector<std::string>& pool,
                                      const std::filesystem::path& folder) {
  const auto path = folder / ("keywords-" + std::to_string(size) + ".pdx");
  std::filesystem::remove(path);
  auto cat = picdex::Catalogue::create(path, {.m = 16, .ef_construction = 64});
  constexpr std::size_t kBatch = 2000;
  std::vector<picdex::Image> batch;
  const auto start = bench::Clock::now();
  for (std::size_t i = 0; i < size; ++i) {
    batch.emplace_back("img/" + std::to_string(i), std::vector<std::string>{pool[i % pool.size()]});
    if (batch.size() == kBatch || i + 1 == size) {
      cat.put(batch);
      batch.clear();
      std::fprintf(stderr, "\r  building %zu images: %zu (%.0f s)", size, i + 1,
                   bench::seconds_since(start));
    }
  }
  std::fprintf(stderr, "\n");
  return path;
}

struct Sides {
  double fts = 0, keyword = 0, vector = 0, hybrid = 0;
};

void run_size(std::size_t size, const std::vector<std::string>& pool,
              const std::filesystem::path& folder) {
  const auto path = build_catalogue(size, pool, folder);
  const std::size_t query_count =
      std::clamp<std::size_t>(kMostQueries * 40000 / size, 10, kMostQueries);
  std::vector<std::string> queries;
  const std::size_t stride = std::max<std::size_t>(1, std::min(size, pool.size()) / query_count);
  for (std::size_t i = 0; queries.size() < query_count; i += stride)
    queries.push_back(pool[(i + stride / 2) % pool.size()]);

  picdex::OpenOptions read_only;
  read_only.read_only = true;
  const auto cat = picdex::Catalogue::open(path, read_only);
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement fts(db,
                        "SELECT rowid, bm25(captions_fts) FROM captions_fts "
                        "WHERE captions_fts MATCH ? ORDER BY rank LIMIT ?");
  std::size_t sink = 0;
  auto plain_fts = [&] {
    for (const auto& q : queries) {
      fts.reset();
      fts.bind(1, picdex::store::any_word_query(q));  // the MATCH picdex runs
      fts.bind(2, static_cast<std::int64_t>(kK));
      while (fts.executeStep()) sink += static_cast<std::size_t>(fts.getColumn(0).getInt64());
    }
  };
  auto picdex_mode = [&](picdex::SearchMode mode) {
    return [&cat, &queries, &sink, mode] {
      for (const auto& q : queries) sink += cat.search(q, {.k = kK, .mode = mode}).size();
    };
  };
  const auto keyword = picdex_mode(picdex::SearchMode::keyword);
  const auto vector = picdex_mode(picdex::SearchMode::vector);
  const auto hybrid = picdex_mode(picdex::SearchMode::hybrid);
  auto timed = [](const auto& f) {
    const auto start = bench::Clock::now();
    f();
    return bench::seconds_since(start);
  };
  plain_fts(), keyword(), vector(), hybrid();  // warm

  std::vector<Sides> rounds;
  for (std::size_t r = 0; r < kRounds; ++r)
    rounds.push_back({timed(plain_fts), timed(keyword), timed(vector), timed(hybrid)});
  Sides best = rounds[0];
  for (const auto& s : rounds) {
    best.fts = std::min(best.fts, s.fts);
    best.keyword = std::min(best.keyword, s.keyword);
    best.vector = std::min(best.vector, s.vector);
    best.hybrid = std::min(best.hybrid, s.hybrid);
  }
  auto per_query_ms = [&](double seconds) { return 1000.0 * seconds / query_count; };
  std::printf(
      "%9zu captions, %zu queries; ms a query: FTS5 %.3f  keyword %.3f  vector %.3f  hybrid %.3f\n",
      size, query_count, per_query_ms(best.fts), per_query_ms(best.keyword),
      per_query_ms(best.vector), per_query_ms(best.hybrid));
  std::printf("           keyword speed vs FTS5 %.2f (rounds", best.fts / best.keyword);
  for (const auto& s : rounds) std::printf(" %.2f", s.fts / s.keyword);
  std::printf(")\n           hybrid / (vector + keyword) %.2f (rounds",
              best.hybrid / (best.vector + best.keyword));
  for (const auto& s : rounds) std::printf(" %.2f", s.hybrid / (s.vector + s.keyword));
  std::printf(")\n");
  std::fflush(stdout);
  if (sink == 0) std::printf("(no results)\n");
  std::filesystem::remove(path);
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().filename().string().starts_with(path.filename().string()))
      std::filesystem::remove(entry.path());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: keyword_speed SIZE[,SIZE...] CAPTIONS.tsv [MORE.tsv...]\n";
    return 2;
  }
  try {
    std::vector<std::size_t> sizes;
    std::stringstream list(argv[1]);
    for (std::string s; std::getline(list, s, ',');) sizes.push_back(std::stoul(s));
    const auto pool = bench::read_caption_texts({argv + 2, argv + argc});
    const auto folder = std::filesystem::temp_directory_path() / "picdex-keyword-speed";
    std::filesystem::create_directories(folder);
    std::printf("%zu captions read; k %zu, best of %zu alternating rounds\n", pool.size(), kK,
                kRounds);
    for (auto size : sizes) run_size(size, pool, folder);
  } catch (const std::exception& e) {
    std::cerr << "keyword_speed: " << e.what() << "\n";
    return 1;
  }
}
