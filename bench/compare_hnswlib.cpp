// compare_hnswlib: picdex against raw hnswlib on the same vectors in the same run.
//
//   compare_hnswlib synthetic [N=100000] [DIM=512]     clustered unit vectors, seeded
//   compare_hnswlib fvecs BASE QUERY [TRUTH.ivecs]     e.g. ../shared/data/bigann10k
//   compare_hnswlib captions CAPTIONS.tsv [EMBEDDER]   e.g. ../shared/data/flickr8k
//
// Prints, side by side and as ratios:
// - ingest: raw hnswlib's parallel build vs Catalogue::put + close of the same vectors,
//   and vs `picdex init` + `picdex import` of them as a JSONL file (fresh processes)
//   (embedder "none"; same M, ef_construction and threads);
// - search: single-thread QPS and recall@10 per ef for raw searchKnn, Catalogue::search
//   (one caption per image) and an exact scan; and raw searchKnn on picdex's own graph
//   (saved in hnswlib's format): the same graph, so only the search paths differ, where
//   two parallel builds give two graphs whose search costs differ by a few per cent;
// - cold start: a fresh `picdex search` process vs a fresh process doing hnswlib
//   loadIndex + one query, each with its peak RSS;
//   (measured through `compare_hnswlib --measure`, see bench/measure.hpp);
// - opening the catalogue with 0 and with 10,000 changes newer than its snapshot;
// - file sizes.
#include <SQLiteCpp/SQLiteCpp.h>
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <picdex/picdex.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "datasets.hpp"
#include "index/graph.hpp"
#include "index/hnsw_adapter.hpp"
#include "measure.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::size_t kM = 32, kEfConstruction = 200, kBatch = 10000;
constexpr int kSearchRounds = 5;
// A timed search round passes over the queries as often as it takes to last about this
// long (the same passes for both sides): a round of 100 queries at ef 16 lasts 2 ms, and
// timer and scheduler noise swamped it (per-round ratios 0.85-1.06).
constexpr double kSearchRoundSeconds = 0.25;

using bench::row;

// One {"uri", "caption", "vector"} line per vector, as `picdex import` reads JSONL.
void write_jsonl(const fs::path& file, const std::vector<float>& vectors, std::size_t dim) {
  std::FILE* out = std::fopen(file.c_str(), "w");
  if (!out) throw std::runtime_error("cannot write " + file.string());
  const std::size_t n = vectors.size() / dim;
  for (std::size_t i = 0; i < n; ++i) {
    std::fprintf(out, R"({"uri":"%zu","caption":"v","vector":[)", i);
    for (std::size_t d = 0; d < dim; ++d)
      std::fprintf(out, d ? ",%.9g" : "%.9g", static_cast<double>(vectors[i * dim + d]));
    std::fputs("]}\n", out);
  }
  if (std::fclose(out) != 0) throw std::runtime_error("cannot write " + file.string());
}

picdex::OpenOptions read_only_if(bool read_only) {
  picdex::OpenOptions o;
  o.read_only = read_only;
  return o;
}

double best_open(const fs::path& path, bool read_only) {
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto start = bench::Clock::now();
    auto cat = picdex::Catalogue::open(path, read_only_if(read_only));
    best = std::min(best, bench::seconds_since(start));
  }
  return best;
}

// The snapshot's manifest row and file, to put back later: the state a crash right
// before the next save leaves behind.
struct SavedSnapshot {
  std::string file, checksum;
  std::int64_t seq = 0, bytes = 0, elements = 0;
  fs::path copy;

  static SavedSnapshot take(const fs::path& catalogue) {
    SQLite::Database db(catalogue.string());
    SQLite::Statement q(db, "SELECT file, seq, bytes, checksum, elements FROM snapshot");
    q.executeStep();
    SavedSnapshot s{q.getColumn(0).getString(), q.getColumn(3).getString(),
                    q.getColumn(1).getInt64(),  q.getColumn(2).getInt64(),
                    q.getColumn(4).getInt64(),  catalogue.string() + ".saved-snapshot"};
    fs::copy_file(catalogue.parent_path() / s.file, s.copy, fs::copy_options::overwrite_existing);
    return s;
  }
  void restore(const fs::path& catalogue) const {
    SQLite::Database db(catalogue.string(), SQLite::OPEN_READWRITE);
    SQLite::Statement current(db, "SELECT file FROM snapshot");
    current.executeStep();
    fs::remove(catalogue.parent_path() / current.getColumn(0).getString());
    current.reset();
    SQLite::Statement u(db,
                        "UPDATE snapshot SET file = ?, seq = ?, bytes = ?, checksum = ?, "
                        "elements = ?");
    u.bind(1, file);
    u.bind(2, seq);
    u.bind(3, bytes);
    u.bind(4, checksum);
    u.bind(5, elements);
    u.exec();
    fs::copy_file(copy, catalogue.parent_path() / file, fs::copy_options::overwrite_existing);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc > 3 && std::string(argv[1]) == "--measure") return bench::measure(argv[2], argv + 3);
  bench::Dataset data;
  try {
    data = bench::from_arguments({argv + 1, argv + argc});
  } catch (const std::invalid_argument&) {
    std::fprintf(stderr,
                 "usage: compare_hnswlib synthetic [N] [DIM] | fvecs BASE QUERY [TRUTH] | "
                 "captions CAPTIONS.tsv [EMBEDDER]\n");
    return 64;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_hnswlib: %s\n", e.what());
    return 66;
  }
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t q = data.query_count(), dim = data.dim;
  std::printf("%s: %zu vectors x %zu, %zu queries, M %zu, ef_construction %zu, %u threads\n",
              data.name.c_str(), data.n, dim, q, kM, kEfConstruction, threads);
  if (!data.embedder.empty())
    std::printf("embedding (one thread, reported apart): %zu captions in %.2f s, %.0f/s\n", data.n,
                data.embed_seconds, data.n / data.embed_seconds);

  // Ingest, alternating sides, `ingest_rounds` times (more for small sets, where one
  // build takes under a second and noise weighs more): raw hnswlib's parallel addPoint of
  // distinct labels, then picdex put + close of the same vectors as external vectors,
  // kBatch images a transaction. The last round's index and catalogue are searched below.
  const auto folder = fs::temp_directory_path() / "picdex-compare";
  const auto path = folder / "c.pdx";
  hnswlib::InnerProductSpace space(dim);
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> raw_built;
  std::vector<double> raw_builds, picdex_builds, cli_imports;
  const int ingest_rounds = data.n <= 20000 ? 5 : 2;
  // The same vectors as a JSONL file for `picdex import` (outside the folder each round
  // clears), and the catalogue that import goes to.
  const auto jsonl = fs::temp_directory_path() / "picdex-compare-vectors.jsonl";
  const auto cli_path = fs::temp_directory_path() / "picdex-compare-cli.pdx";
  write_jsonl(jsonl, data.base, dim);
  for (int round = 0; round < ingest_rounds; ++round) {
    raw_built.reset();
    auto start = bench::Clock::now();
    raw_built =
        std::make_unique<hnswlib::HierarchicalNSW<float>>(&space, data.n, kM, kEfConstruction, 42);
    {
      std::vector<std::thread> pool;
      std::atomic<std::size_t> next{0};
      for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&] {
          for (std::size_t i; (i = next++) < data.n;)
            raw_built->addPoint(row(data.base, i, dim).data(), i);
        });
      for (auto& t : pool) t.join();
    }
    raw_builds.push_back(bench::seconds_since(start));

    fs::remove_all(folder);
    fs::create_directories(folder);
    start = bench::Clock::now();
    {
      auto cat = picdex::Catalogue::create(path, {.embedder = "none:dim=" + std::to_string(dim),
                                                  .m = kM,
                                                  .ef_construction = kEfConstruction});
      bench::put_vectors(cat, data.base, dim, "");
    }  // closing saves the snapshot
    picdex_builds.push_back(bench::seconds_since(start));

    for (const auto& old : fs::directory_iterator(cli_path.parent_path()))
      if (old.path().filename().string().starts_with(cli_path.filename().string()))
        fs::remove(old.path());
    const auto made =
        bench::run_measured({PICDEX_BINARY, "init", cli_path.string(), "--embedder", "none",
                             "--dim", std::to_string(dim), "--m", std::to_string(kM),
                             "--ef-construction", std::to_string(kEfConstruction)});
    const auto imported =
        bench::run_measured({PICDEX_BINARY, "import", cli_path.string(), jsonl.string()});
    if (made.seconds < 0 || imported.seconds < 0) {
      std::fprintf(stderr, "compare_hnswlib: picdex init or import failed\n");
      return 1;
    }
    cli_imports.push_back(made.seconds + imported.seconds);
  }
  fs::remove(jsonl);
  auto& raw = *raw_built;
  const double raw_build = *std::min_element(raw_builds.begin(), raw_builds.end());
  const double picdex_build = *std::min_element(picdex_builds.begin(), picdex_builds.end());
  std::printf("\ningest (best of %d alternating rounds)  vectors/s   ratio   ratio per round\n",
              ingest_rounds);
  std::printf("  raw hnswlib                 %10.0f   1.00\n", data.n / raw_build);
  std::printf("  picdex put+close            %10.0f   %.2f   ", data.n / picdex_build,
              raw_build / picdex_build);
  for (int round = 0; round < ingest_rounds; ++round)
    std::printf(" %.2f", raw_builds[round] / picdex_builds[round]);
  std::printf("\n");
  const double cli_import = *std::min_element(cli_imports.begin(), cli_imports.end());
  std::printf("  picdex init+import (JSONL)  %10.0f   %.2f   ", data.n / cli_import,
              raw_build / cli_import);
  for (int round = 0; round < ingest_rounds; ++round)
    std::printf(" %.2f", raw_builds[round] / cli_imports[round]);
  std::printf("\n");
  if (!data.embedder.empty()) {
    const auto start = bench::Clock::now();
    {
      auto cat = picdex::Catalogue::create(
          folder / "text.pdx",
          {.embedder = data.embedder, .m = kM, .ef_construction = kEfConstruction});
      std::vector<picdex::Image> batch;
      for (std::size_t i = 0; i < data.n; ++i) {
        batch.emplace_back(std::to_string(i), std::vector<std::string>{data.captions[i]}, "{}");
        if (batch.size() == kBatch || i + 1 == data.n) {
          cat.put(batch);
          batch.clear();
        }
      }
    }
    const double t = bench::seconds_since(start);
    std::printf("  picdex put text+close       %10.0f   %.2f   (embedding included)\n", data.n / t,
                raw_build / t);
    fs::remove(folder / "text.pdx");
  }

  // picdex's graph, every change in its snapshot, handed to raw hnswlib: the same graph.
  picdex::Catalogue::open(path).checkpoint();
  const auto same_graph_file = folder / "same.hnsw";
  {
    SQLite::Database db(path.string());
    SQLite::Statement s(db, "SELECT file, bytes, checksum FROM snapshot WHERE id = 1");
    s.executeStep();
    picdex::index::HitTable rows;
    picdex::index::Graph::map({dim, kM, kEfConstruction}, folder / s.getColumn(0).getString(),
                              static_cast<std::uint64_t>(s.getColumn(1).getInt64()),
                              s.getColumn(2).getString(), rows)
        .hnsw()
        .save_stock(same_graph_file);
  }
  // hnswlib 0.6.2's loading constructor counts deleted elements up from an uninitialised
  // field (which can send every search down its slower path for deletions): load into a
  // bare object with the count zeroed.
  hnswlib::HierarchicalNSW<float> same(&space);
  same.num_deleted_ = 0;
  same.loadIndex(same_graph_file.string(), &space);

  {
    auto cat = picdex::Catalogue::open(path, read_only_if(true));
    std::printf(
        "\nsearch, one thread    raw QPS  recall   picdex QPS  recall   QPS ratio  per round%s\n",
        data.file_truth.empty() ? "" : "   recall vs file's truth: raw  picdex");
    std::vector<std::string> same_graph_lines;
    // Each side answers every query once untimed (pages touched, caches warm), then
    // kSearchRounds timed rounds, alternating sides, each `passes` times over the queries.
    // The best round of each side gives the ratio; the rounds' own ratios show the spread.
    // Raw searchKnn over `index`, whose labels are the images' numbers plus `first_label`.
    auto run_hnswlib = [&](hnswlib::HierarchicalNSW<float>& index, std::size_t first_label,
                           std::size_t ef, std::vector<std::vector<std::size_t>>& found,
                           std::size_t passes) {
      index.setEf(ef);
      const auto t = bench::Clock::now();
      for (std::size_t pass = 0; pass < passes; ++pass)
        for (std::size_t i = 0; i < q; ++i) {
          found[i].clear();
          for (auto top = index.searchKnn(row(data.queries, i, dim).data(), bench::kK);
               !top.empty(); top.pop())
            found[i].push_back(top.top().second - first_label);
        }
      return static_cast<double>(q * passes) / bench::seconds_since(t);
    };
    auto run_raw = [&](std::size_t ef, auto& found, std::size_t passes) {
      return run_hnswlib(raw, 0, ef, found, passes);
    };
    // picdex's graph is labelled by caption id: 1..n for images 0..n-1.
    auto run_same = [&](std::size_t ef, auto& found, std::size_t passes) {
      return run_hnswlib(same, 1, ef, found, passes);
    };
    auto run_ours = [&](std::size_t ef, std::vector<std::vector<std::size_t>>& found,
                        std::size_t passes) {
      const auto t = bench::Clock::now();
      for (std::size_t pass = 0; pass < passes; ++pass)
        for (std::size_t i = 0; i < q; ++i) {
          found[i].clear();
          for (const auto& h : cat.search(row(data.queries, i, dim), {.k = bench::kK, .ef = ef}))
            found[i].push_back(std::stoul(h.uri));
        }
      return static_cast<double>(q * passes) / bench::seconds_since(t);
    };
    std::vector<std::vector<std::size_t>> raw_found(q), ours_found(q), same_found(q);
    run_raw(256, raw_found, 1);
    run_same(256, same_found, 1);
    run_ours(256, ours_found, 1);
    for (std::size_t ef : {16, 32, 64, 128, 256}) {
      double raw_qps = 0, ours_qps = 0, same_qps = 0;
      std::vector<double> ratios, same_ratios;
      const double one_pass = q / run_raw(ef, raw_found, 1);
      const auto passes =
          static_cast<std::size_t>(std::max(1.0, std::ceil(kSearchRoundSeconds / one_pass)));
      for (int round = 0; round < kSearchRounds; ++round) {
        const double r = run_raw(ef, raw_found, passes), m = run_same(ef, same_found, passes),
                     o = run_ours(ef, ours_found, passes);
        raw_qps = std::max(raw_qps, r);
        same_qps = std::max(same_qps, m);
        ours_qps = std::max(ours_qps, o);
        ratios.push_back(o / r);
        same_ratios.push_back(o / m);
      }
      char line[256];
      int at = std::snprintf(line, sizeof line,
                             "  ef %-4zu          %9.0f   %.3f   %10.0f   %.3f   %.2f      ", ef,
                             same_qps, bench::recall(same_found, data.truth), ours_qps,
                             bench::recall(ours_found, data.truth), ours_qps / same_qps);
      for (const double r : same_ratios)
        at += std::snprintf(line + at, sizeof line - static_cast<std::size_t>(at), " %.2f", r);
      same_graph_lines.push_back(line);
      std::printf("  ef %-4zu          %9.0f   %.3f   %10.0f   %.3f   %.2f      ", ef, raw_qps,
                  bench::recall(raw_found, data.truth), ours_qps,
                  bench::recall(ours_found, data.truth), ours_qps / raw_qps);
      for (const double r : ratios) std::printf(" %.2f", r);
      if (!data.file_truth.empty())
        std::printf("   %.3f  %.3f", bench::recall(raw_found, data.file_truth),
                    bench::recall(ours_found, data.file_truth));
      std::printf("\n");
    }
    const auto start = bench::Clock::now();
    const auto exact = bench::exact_top_k(data);
    std::printf("  exact scan       %9.0f   %.3f\n", q / bench::seconds_since(start),
                bench::recall(exact, data.truth));
    std::printf(
        "\nsearch on the same graph (raw hnswlib loads picdex's), measured in the rounds above\n"
        "                     raw QPS  recall   picdex QPS  recall   QPS ratio  per round\n");
    for (const auto& line : same_graph_lines) std::printf("%s\n", line.c_str());
  }

  // Cold start: a fresh `picdex search` process against a fresh raw hnswlib process that
  // loads raw's own saved index of the same vectors and answers the same query.
  const auto raw_index = folder / "raw.hnsw";
  raw.saveIndex(raw_index.string());
  {
    std::ofstream out(folder / "q.txt");
    for (const float x : row(data.queries, 0, dim)) out << x << " ";
  }
  std::vector<std::string> raw_args{PICDEX_RAW_LOAD_QUERY, raw_index.string(), std::to_string(dim)};
  for (const float x : row(data.queries, 0, dim)) raw_args.push_back(std::to_string(x));
  const auto raw_cold = bench::best_of_three(raw_args);
  const auto ours_cold =
      bench::best_of_three({PICDEX_BINARY, "search", path.string(), "--vector-file",
                            (folder / "q.txt").string(), "-k", "10"});
  std::printf("\ncold start, fresh process, one query (best of 3; files in the page cache)\n");
  std::printf("                                     seconds  ratio   peak RSS  ratio\n");
  std::printf("  raw hnswlib loadIndex + searchKnn  %7.3f   1.00   %6.1f MB   1.00\n",
              raw_cold.seconds, raw_cold.peak_rss_kb / 1024.0);
  std::printf(
      "  picdex search                      %7.3f   %.2f   %6.1f MB   %.2f\n", ours_cold.seconds,
      ours_cold.seconds / raw_cold.seconds, ours_cold.peak_rss_kb / 1024.0,
      static_cast<double>(ours_cold.peak_rss_kb) / static_cast<double>(raw_cold.peak_rss_kb));

  const auto stats = picdex::Catalogue::open(path, read_only_if(true)).stats();

  // Opening with nothing to replay, then with `pending` changes newer than the snapshot
  // (new vectors near existing ones), as a crash right before a save would leave it.
  const std::size_t pending = std::min<std::size_t>(10000, data.n);
  std::printf("\nopen (Catalogue::open; best of 3 with none pending, one run with pending)\n");
  std::printf("  0 pending changes        read-only %7.3f s   read-write %7.3f s\n",
              best_open(path, true), best_open(path, false));
  const auto saved = SavedSnapshot::take(path);
  {
    std::vector<float> extra(data.base.begin(),
                             data.base.begin() + static_cast<std::ptrdiff_t>(pending * dim));
    std::mt19937 rng(7);
    std::normal_distribution<float> noise(0, 0.01f);
    for (auto& x : extra) x += noise(rng);
    auto cat = picdex::Catalogue::open(path);
    bench::put_vectors(cat, extra, dim, "new-");
  }
  saved.restore(path);
  auto start = bench::Clock::now();
  double ro = 0, rw = 0;
  {
    auto cat = picdex::Catalogue::open(path, read_only_if(true));
    ro = bench::seconds_since(start);
  }
  start = bench::Clock::now();
  {
    auto cat = picdex::Catalogue::open(path);
    rw = bench::seconds_since(start);
  }
  std::printf("  %zu pending changes    read-only %7.3f s   read-write %7.3f s\n", pending, ro, rw);

  std::printf("\nfiles: picdex graph %.1f MB, database %.1f MB; raw hnswlib index %.1f MB\n",
              stats.graph_bytes / 1e6, stats.file_bytes / 1e6, fs::file_size(raw_index) / 1e6);
  fs::remove_all(folder);
  return 0;
}
