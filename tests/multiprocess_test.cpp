#include <sys/wait.h>
#include <catch2/catch.hpp>
#include <sstream>

#include <filesystem>

#include "child.hpp"
#include "shared_run.hpp"
#include "support.hpp"

using namespace picdex;
namespace fs = std::filesystem;

// The soak (bench/shared_soak) runs the same for longer.
TEST_CASE("one writer and three reader processes share a catalogue for 20 seconds",
          "[multiprocess]") {
  test::TempDir dir;
  const auto report = test::run_shared(PICDEX_WORKER, dir.path(), 20, 3);
  std::ostringstream text;
  text << report;
  INFO(text.str());
  CHECK(report.committed_batches > 100);
  CHECK(report.second_writer_batches == 20);
  CHECK(report.second_writer_exit == 0);
  // Everything reported committed is there, with the second writer's 20 batches.
  CHECK(report.images_after >= (report.committed_batches + 20) * test::kSharedBatchSize);
  CHECK(report.verify_ok);
  REQUIRE(report.readers.size() == 3);
  for (const auto& r : report.readers) {
    CHECK(r.errors == 0);
    CHECK(r.shrank == 0);
    CHECK(r.stale == 0);
    CHECK(r.searches > 300);
    CHECK(r.max_images > 0);
    CHECK(r.same_results_as_fresh_open);
    CHECK(r.exit_status == 0);
  }
}

TEST_CASE("a writer killed between its commit and its signal does not hide the commit",
          "[multiprocess]") {
  test::TempDir dir;
  const auto path = (dir / "c.pdx").string();
  auto write_batch = [&](std::size_t batch, const std::vector<std::string>& env) {
    test::Child writer(PICDEX_WORKER, {"write", path, std::to_string(batch), "1", "10"}, env);
    return writer.wait();
  };
  REQUIRE(write_batch(0, {}) == 0);
  OpenOptions read_only;
  read_only.read_only = true;
  const auto reader = Catalogue::open(path, read_only);
  auto finds = [&](std::size_t batch) {
    const auto hits = reader.search(test::workload_caption(batch, 3), {.k = 1});
    return hits.size() == 1 && hits[0].uri == test::workload_uri(batch, 3);
  };
  REQUIRE(finds(0));  // the reader has checked SQLite once and trusts the beacon now
  CHECK(fs::exists(path + ".beacon"));

  // Dies right after SQLite committed, before it could mark the commit finished.
  const int status = write_batch(1, {"PICDEX_FAILPOINT=commit.after"});
  REQUIRE(WIFSIGNALED(status));
  CHECK(finds(1));
  CHECK(finds(1));
  REQUIRE(write_batch(2, {}) == 0);  // a clean commit leaves the beacon even again
  CHECK(finds(2));
}
