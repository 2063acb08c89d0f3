// Measuring: elapsed time, and the wall time and peak RSS of another program run as a
// fresh process.
//
// A process's peak RSS (getrusage's ru_maxrss) includes the memory of the process it was
// forked from, so a big benchmark cannot spawn the program and read it directly. Instead
// the benchmark re-runs itself as a small wrapper (`BENCH --measure OUT PROGRAM ARGS...`,
// handled by measure()), which forks and runs PROGRAM and writes what it measured to OUT.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Run {
  double seconds = -1;  // -1: the program failed
  long peak_rss_kb = 0;
};

// The wrapper: runs argv (stdout discarded), writes "SECONDS PEAK_RSS_KB" to `out`, and
// returns the program's exit status. Call from main for "--measure OUT PROGRAM ARGS...".
int measure(const std::string& out, char** argv);

// Runs `args` (program path first) through the wrapper.
Run run_measured(const std::vector<std::string>& args);
// The fastest of three runs.
Run best_of_three(const std::vector<std::string>& args);

}  // namespace bench
