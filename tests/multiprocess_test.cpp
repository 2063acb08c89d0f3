#include <catch2/catch.hpp>
#include <sstream>

#include "shared_run.hpp"
#include "support.hpp"

using namespace picdex;

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
