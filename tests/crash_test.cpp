#include <catch2/catch.hpp>
#include <sstream>

#include "crash_rounds.hpp"
#include "support.hpp"

using namespace picdex;

// The soak (bench/crash_soak) runs the same harness for 200+ rounds.
TEST_CASE("a writer killed at random moments and inside commits and snapshot saves loses nothing",
          "[crash]") {
  const auto graph = GENERATE(GraphPrecision::float32, GraphPrecision::int8);
  INFO(graph_precision_name(graph) << " graph");
  test::TempDir dir;
  std::ostringstream log;
  const auto tally = test::run_crash_rounds(PICDEX_WORKER, dir.path(), 24, 2026, &log, graph);
  INFO(log.str());
  INFO(tally);
  CHECK(tally.kills >= 20);
  CHECK(tally.committed_batches > 24);
  CHECK(tally.clean());
}

// The soak (bench/powercut_soak) runs the same harness for any number of rounds.
TEST_CASE("after a power cut in any write, every acknowledged batch is there whole", "[crash]") {
  test::TempDir dir;
  std::ostringstream log;
  const auto tally = test::run_powercut_rounds(PICDEX_WORKER, dir.path(), 50, 2027, &log);
  INFO(log.str());
  INFO(tally);
  CHECK(tally.kills >= 40);
  CHECK(tally.committed_batches > 50);
  CHECK(tally.clean());
}
