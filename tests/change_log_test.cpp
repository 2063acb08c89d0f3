// The change log is bounded: a checkpoint deletes the changes its previous snapshot holds,
// and a process whose graph is older than that reloads the newest snapshot (or reads the
// captions) instead of replaying a log with a hole in it.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace picdex;
using picdex::test::TempDir;

namespace {

Image workload_image(std::size_t batch, std::size_t item) {
  return {test::workload_uri(batch, item), {test::workload_caption(batch, item)}, "{}"};
}

// Puts batch `b` (10 images) and removes batch b - 5: a catalogue of constant size.
void churn(Catalogue& cat, std::size_t b) {
  std::vector<Image> batch;
  for (std::size_t i = 0; i < 10; ++i) batch.push_back(workload_image(b, i));
  cat.put(batch);
  if (b >= 5)
    for (std::size_t i = 0; i < 10; ++i) cat.remove(test::workload_uri(b - 5, i));
}

// A new catalogue at `path` that saves a snapshot once `checkpoint_after` changes are
// pending, and so trims its log that often.
Catalogue churned_catalogue(const std::filesystem::path& path, std::size_t checkpoint_after) {
  OpenOptions options;
  options.checkpoint_after = checkpoint_after;
  return Catalogue::create(path, {.embedder = "lexical:dim=64"}, options);
}

std::vector<std::string> top(const Catalogue& cat, const std::string& query) {
  return test::uris(cat.search(query, {.k = 3, .ef = 400}));
}

}  // namespace

TEST_CASE("the change log keeps only what the snapshot before the newest lacks",
          "[persistence][log]") {
  TempDir dir;
  auto cat = churned_catalogue(dir / "c.pdx", 100);
  std::size_t most = 0, elements = 0;
  for (std::size_t b = 0; b < 300; ++b) {  // 3,000 puts and 2,950 removes
    churn(cat, b);
    const auto stats = cat.stats();
    most = std::max(most, stats.log_entries);
    // Everything since the snapshot before the newest: at most two checkpoint intervals
    // (a checkpoint comes once 100 changes, or a quarter of the graph's elements, are
    // pending) and the last write's 20 changes.
    // (The graph was larger before it last compacted itself.)
    elements = std::max(elements, stats.captions + stats.deleted);
    CHECK(stats.log_entries <= 2 * std::max<std::size_t>(100, elements / 4) + 20);
  }
  const auto stats = cat.stats();
  CHECK(stats.last_seq >= 5900);
  CHECK(most <= 2 * 250 + 20);  // the graph compacts itself at 1,000 elements
  CHECK(stats.format == 4);
  CHECK(cat.verify().ok());
  // What the log lost is in the snapshots: a fresh open searches the same.
  const auto query = test::workload_caption(297, 3);
  REQUIRE(top(cat, query).front() == test::workload_uri(297, 3));
  CHECK(top(Catalogue::open(dir / "c.pdx"), query) == top(cat, query));
}

TEST_CASE("a reader whose graph is older than the trimmed log reloads the snapshot",
          "[persistence][log]") {
  TempDir dir;
  auto writer = churned_catalogue(dir / "c.pdx", 50);
  for (std::size_t b = 0; b < 20; ++b) churn(writer, b);
  OpenOptions read_only;
  read_only.read_only = true;
  const auto reader = Catalogue::open(dir / "c.pdx", read_only);
  const auto old_query = test::workload_caption(18, 2);
  REQUIRE(top(reader, old_query).front() == test::workload_uri(18, 2));
  const auto seen = reader.stats().last_seq;

  for (std::size_t b = 20; b < 120; ++b) churn(writer, b);  // many checkpoints later
  std::int64_t trimmed = 0;
  {
    SQLite::Database db((dir / "c.pdx").string(), SQLite::OPEN_READONLY);
    trimmed = db.execAndGet(
                    "SELECT CAST(value AS INTEGER) FROM meta WHERE key = "
                    "'log_trimmed_through'")
                  .getInt64();
  }
  REQUIRE(trimmed > seen);  // the reader's graph is older than the log's start

  // The reader's next search sees the writer's state exactly: new images found, removed
  // ones gone, as a fresh open finds them.
  const auto new_query = test::workload_caption(119, 4);
  CHECK(top(reader, new_query).front() == test::workload_uri(119, 4));
  for (const auto& uri : top(reader, old_query)) CHECK(test::workload_batch(uri) >= 115);
  const auto fresh = Catalogue::open(dir / "c.pdx", read_only);
  CHECK(top(reader, new_query) == top(fresh, new_query));
  CHECK(top(reader, old_query) == top(fresh, old_query));
  CHECK(reader.verify().ok());
}

TEST_CASE("a damaged snapshot over a trimmed log is rebuilt from the captions",
          "[persistence][log][snapshot]") {
  TempDir dir;
  const auto path = dir / "c.pdx";
  {
    auto cat = churned_catalogue(path, 50);
    for (std::size_t b = 0; b < 60; ++b) churn(cat, b);
    cat.checkpoint();
  }
  std::string snapshot;
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
    snapshot = db.execAndGet("SELECT file FROM snapshot").getString();
  }
  const auto file = dir / snapshot;
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  std::vector<std::string> warnings;
  OpenOptions watched;
  watched.observer.warning = [&](std::string_view m) { warnings.emplace_back(m); };
  auto cat = Catalogue::open(path, watched);
  CHECK(cat.size() == 50);
  CHECK(warnings.empty());  // the graph is opened when first needed: by the search
  const auto query = test::workload_caption(57, 1);
  CHECK(top(cat, query).front() == test::workload_uri(57, 1));
  CHECK(warnings.size() == 1);
  CHECK(cat.verify().ok());
}
