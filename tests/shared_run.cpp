#include "shared_run.hpp"

#include <sys/wait.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <picdex/picdex.hpp>

#include "child.hpp"
#include "support.hpp"

namespace picdex::test {
namespace {

using Clock = std::chrono::steady_clock;

nlohmann::json results_of(const Catalogue& catalogue, const std::vector<std::string>& queries) {
  auto results = nlohmann::json::array();
  for (const auto& q : queries) {
    auto hits = nlohmann::json::array();
    for (const auto& hit : catalogue.search(q, {.k = 5, .ef = 400}))  // near exact
      hits.push_back({{"uri", hit.uri}, {"score", hit.score}});
    results.push_back(hits);
  }
  return results;
}

std::size_t count_committed(Child& child, Clock::time_point until) {
  std::size_t n = 0;
  while (auto line = child.read_line(until)) n += line->rfind("committed ", 0) == 0;
  return n;
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const SharedRunReport& r) {
  out << "writer: " << r.committed_batches << " batches of " << kSharedBatchSize
      << " committed; second writer: " << r.second_writer_batches << "/20 batches, exit status "
      << r.second_writer_exit << "; fresh open: " << r.images_after << " images, verify "
      << (r.verify_ok ? "ok" : "FAILED") << "\n";
  for (std::size_t i = 0; i < r.readers.size(); ++i) {
    const auto& x = r.readers[i];
    out << "reader " << i + 1 << ": " << x.searches << " searches, " << x.errors << " errors, "
        << x.shrank << " times smaller, " << x.stale << " stale, saw up to " << x.max_images
        << " images, final results " << (x.same_results_as_fresh_open ? "same" : "DIFFERENT")
        << " as a fresh open";
    if (!x.last_error.empty()) out << "; last error: " << x.last_error;
    out << "\n";
  }
  return out;
}

SharedRunReport run_shared(const std::string& worker, const std::filesystem::path& dir,
                           std::size_t seconds, std::size_t reader_count) {
  const auto catalogue = (dir / "shared.pdx").string();
  const auto stop = dir / "stop";
  const auto queries_file = dir / "queries.txt";
  const std::vector<std::string> queries = {workload_caption(3, 4), workload_caption(40, 1),
                                            "zzz b7i2 b9i9"};
  {
    std::ofstream out(queries_file);
    for (const auto& q : queries) out << q << "\n";
  }
  { Catalogue::create(catalogue, {.embedder = "lexical:dim=256"}); }

  SharedRunReport report;
  const auto batch = std::to_string(kSharedBatchSize);
  std::vector<std::unique_ptr<Child>> readers;
  for (std::size_t r = 0; r < reader_count; ++r)
    readers.push_back(std::make_unique<Child>(
        worker, std::vector<std::string>{"read", catalogue, batch, stop.string(), queries_file},
        std::vector<std::string>{}, (dir / "reader.err").string()));
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  // A 10 ms pause between batches: the log grows steadily for the whole run.
  Child writer(worker, {"write", catalogue, "0", "100000000", batch, "10"}, {},
               (dir / "writer.err").string());
  report.committed_batches += count_committed(writer, start + (end - start) / 2);
  {
    // A second writer joins while the first writes: it waits its turn (busy timeout).
    Child second(worker, {"write", catalogue, "500000000", "20", batch}, {},
                 (dir / "second.err").string());
    report.second_writer_batches = count_committed(second, end + std::chrono::seconds(30));
    const int status = second.wait();
    report.second_writer_exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  report.committed_batches += count_committed(writer, end);
  writer.kill();  // mid-stream, like a crash
  std::ofstream(stop).put('\n');

  auto fresh = Catalogue::open(catalogue, {});
  const auto expected = results_of(fresh, queries);
  report.images_after = fresh.size();
  report.verify_ok = fresh.verify().ok();
  for (auto& reader : readers) {
    ReaderReport r;
    if (const auto line = reader->read_line(Clock::now() + std::chrono::seconds(60))) {
      const auto json = nlohmann::json::parse(*line);
      r.searches = json["searches"];
      r.errors = json["errors"];
      r.shrank = json["shrank"];
      r.stale = json["stale"];
      r.max_images = json["max_images"];
      r.last_error = json.value("last_error", "");
      r.same_results_as_fresh_open = json["results"] == expected;
    } else {
      r.last_error = "no report (see reader.err)";
    }
    const int status = reader->wait();
    r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    report.readers.push_back(r);
  }
  return report;
}

}  // namespace picdex::test
