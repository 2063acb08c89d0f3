// picdex-test-worker: the other processes of the crash and multi-process tests.
//
//   picdex-test-worker write CAT FIRST COUNT SIZE [PAUSE_MS [GRAPH]]
//       puts batches FIRST..FIRST+COUNT-1 of the test workload (SIZE images each, one
//       transaction per batch), printing "committed B" after each, pausing PAUSE_MS;
//       saves a snapshot every 5 batches, so kills land inside saves too. Creates CAT if
//       missing, with a graph of GRAPH precision (float32 or int8). With
//       PICDEX_POWERCUT_LOG=FILE, logs its SQLite changes there (tests/powercut.hpp);
//       with PICDEX_POWERCUT_AT=N too, it dies before its Nth change or sync. With
//       PICDEX_WORKER_COMPACT_EVERY=N, compacts (graph rebuilt, VACUUM) every N batches.
//   picdex-test-worker read CAT SIZE STOP_FILE QUERIES_FILE
//       searches read-only until STOP_FILE exists, checking that the catalogue only grows
//       and that the newest batch SQLite holds of a writer that started at batch 0 with
//       SIZE images a batch is what search finds; then prints one JSON line with its counts
//       and its results for each line of QUERIES_FILE.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "powercut.hpp"
#include "support.hpp"

using namespace picdex;

namespace {

int write(const std::vector<std::string>& a) {
  const std::size_t first = std::stoul(a[1]), count = std::stoul(a[2]), size = std::stoul(a[3]);
  const auto pause = std::chrono::milliseconds(a.size() > 4 ? std::stol(a[4]) : 0);
  const auto graph = graph_precision_named(a.size() > 5 ? a[5] : "float32").value();
  if (const char* changes = std::getenv("PICDEX_POWERCUT_LOG")) {  // (tests/powercut.hpp)
    const char* at = std::getenv("PICDEX_POWERCUT_AT");
    test::install_powercut_recorder(changes, at ? std::stoull(at) : 0);
  }
  const char* compact = std::getenv("PICDEX_WORKER_COMPACT_EVERY");
  const std::size_t compact_every = compact ? std::stoul(compact) : 0;
  OpenOptions options;
  auto catalogue =
      std::filesystem::exists(a[0])
          ? Catalogue::open(a[0], options)
          : Catalogue::create(a[0], {.embedder = "lexical:dim=256", .graph = graph}, options);
  // Two puts in flight, as import has them: batch B+1 stores its rows while batch B is
  // indexed, so kills land in that overlap too.
  std::vector<Image> batches[2];
  std::future<void> indexing;  // the put before this one
  for (std::size_t b = first; b < first + count; ++b) {
    auto& batch = batches[b % 2];
    batch.clear();
    for (std::size_t i = 0; i < size; ++i)
      batch.push_back({test::workload_uri(b, i), {test::workload_caption(b, i)}, "{}"});
    std::promise<void> stored;
    auto is_stored = stored.get_future();
    // (`stored` is told once: by put once SQLite holds the batch, or by its error.)
    auto putting = std::async(std::launch::async, [&catalogue, &batch, &stored, b] {
      bool told = false;
      try {
        catalogue.put(batch, [&] {
          std::cout << "committed " << b << std::endl;  // flushed: the harness reads it live
          told = true;
          stored.set_value();
        });
      } catch (...) {
        if (!told) stored.set_exception(std::current_exception());
        throw;
      }
    });
    is_stored.get();
    if (indexing.valid()) indexing.get();
    indexing = std::move(putting);
    if ((b + 1) % 5 == 0) catalogue.checkpoint();
    if (compact_every && (b + 1) % compact_every == 0) catalogue.compact();
    std::this_thread::sleep_for(pause);
  }
  if (indexing.valid()) indexing.get();
  return 0;
}

bool has_image(const Catalogue& catalogue, const std::string& uri) {
  try {
    catalogue.get(uri);
    return true;
  } catch (const NotFoundError&) {
    return false;
  }
}

int read(const std::vector<std::string>& a) {
  const std::size_t batch_size = std::stoul(a[1]);
  const std::filesystem::path stop = a[2], queries_file = a[3];
  OpenOptions options;
  options.read_only = true;
  nlohmann::ordered_json report = {
      {"searches", 0}, {"errors", 0}, {"shrank", 0}, {"stale", 0}, {"max_images", 0}};
  std::size_t last_size = 0;
  long newest = -1;
  std::optional<Catalogue> catalogue;
  auto count = [&](const char* key) { report[key] = report[key].get<std::size_t>() + 1; };
  while (!std::filesystem::exists(stop)) {
    try {
      if (!catalogue) catalogue = Catalogue::open(a[0], options);
      const auto size = catalogue->size();
      if (size < last_size) count("shrank");
      last_size = std::max(last_size, size);
      report["max_images"] = last_size;
      // The newest whole batch of a writer that started at batch 0, as SQLite has it...
      while (has_image(*catalogue, test::workload_uri(newest + 1, batch_size - 1))) ++newest;
      if (newest >= 0) {
        // ...must be what search finds: search replays the log before it looks.
        const auto b = static_cast<std::size_t>(newest), item = batch_size - 1;
        const auto hits = catalogue->search(test::workload_caption(b, item), {.k = 1});
        count("searches");
        if (hits.empty() || hits[0].uri != test::workload_uri(b, item)) count("stale");
      }
    } catch (const std::exception& e) {
      count("errors");
      report["last_error"] = e.what();
    }
  }
  // The writer has finished: a last search per query, to compare with a fresh open.
  std::ifstream queries(queries_file);
  auto results = nlohmann::ordered_json::array();
  for (std::string line; std::getline(queries, line);) {
    auto hits_json = nlohmann::ordered_json::array();
    for (const auto& hit : catalogue->search(line, {.k = 5, .ef = 400}))
      hits_json.push_back({{"uri", hit.uri}, {"score", hit.score}});
    results.push_back(hits_json);
  }
  report["results"] = results;
  std::cout << report.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 5 && args[0] == "write") return write({args.begin() + 1, args.end()});
    if (args.size() == 5 && args[0] == "read") return read({args.begin() + 1, args.end()});
  } catch (const std::exception& e) {
    std::cerr << "picdex-test-worker: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: picdex-test-worker write CAT FIRST COUNT SIZE [PAUSE_MS] | read CAT SIZE "
               "STOP_FILE QUERIES_FILE\n";
  return 64;
}
