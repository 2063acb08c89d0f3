// Several processes on one catalogue: a writer (picdex-test-worker write) puts batches
// while reader processes (picdex-test-worker read) search; midway a second writer joins.
// Then the first writer is killed, the readers stop, and a fresh open is compared with
// every reader. Shared by the ctest run (20 s) and the soak in bench/.
#pragma once

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace picdex::test {

struct ReaderReport {
  std::size_t searches = 0, errors = 0, shrank = 0, stale = 0, max_images = 0;
  bool same_results_as_fresh_open = false;
  int exit_status = -1;
  std::string last_error;
};

struct SharedRunReport {
  std::size_t committed_batches = 0;      // reported by the first writer
  std::size_t second_writer_batches = 0;  // of 20
  int second_writer_exit = -1;
  std::size_t images_after = 0;  // in a fresh open after the run
  bool verify_ok = false;
  std::vector<ReaderReport> readers;
};

std::ostream& operator<<(std::ostream& out, const SharedRunReport& report);

inline constexpr std::size_t kSharedBatchSize = 10;

SharedRunReport run_shared(const std::string& worker, const std::filesystem::path& dir,
                           std::size_t seconds, std::size_t reader_count);

}  // namespace picdex::test
