// The kill harness: a real writer process (picdex-test-worker write) is killed with
// SIGKILL at random moments, or dies at a failpoint inside a commit or a snapshot save;
// after each kill the catalogue is reopened and checked. Shared by the ctest run and the
// soak in bench/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

#include "picdex/catalogue.hpp"

namespace picdex::test {

struct CrashTally {
  std::size_t rounds = 0;
  std::size_t kills = 0;               // rounds that ended in SIGKILL (ours or a failpoint's)
  std::size_t committed_batches = 0;   // batches the writers reported committed, in total
  std::size_t lost_batches = 0;        // reported committed, not (wholly) there after reopen
  std::size_t partial_batches = 0;     // present in part
  std::size_t unreported_batches = 0;  // present whole but not reported (the kill came
                                       // between commit and the report: allowed, one a round)
  std::size_t verify_failures = 0;
  std::size_t search_mismatches = 0;  // top hit differs from an exact scan's
  std::size_t warnings = 0;           // one-line warnings printed on reopen
  std::string first_problem;
  bool clean() const {
    return lost_batches == 0 && partial_batches == 0 && verify_failures == 0 &&
           search_mismatches == 0 && first_problem.empty();
  }
};

std::ostream& operator<<(std::ostream& out, const CrashTally& tally);

// Runs `rounds` kill rounds on a catalogue (with a graph of `graph` precision) in `dir`
// with the worker at `worker`. `log`, when given, gets a line per round.
CrashTally run_crash_rounds(const std::string& worker, const std::filesystem::path& dir,
                            std::size_t rounds, std::uint64_t seed, std::ostream* log = nullptr,
                            GraphPrecision graph = GraphPrecision::float32);

// The same rounds with power cuts: after each kill, the catalogue's files (SQLite's and
// the graph snapshots) are put in a random state a disk might hold after losing power
// (powercut.hpp).
CrashTally run_powercut_rounds(const std::string& worker, const std::filesystem::path& dir,
                               std::size_t rounds, std::uint64_t seed, std::ostream* log = nullptr);

}  // namespace picdex::test
