// shared_soak: one writer, N reader processes and a second writer on one catalogue for
// SECONDS (tests/multiprocess_test.cpp runs the same for 20 s).
//   shared_soak [SECONDS=120] [READERS=3]
// Prints the counts; exits non-zero on any error, stale read or difference.
#include <iostream>
#include <string>

#include "shared_run.hpp"
#include "support.hpp"

int main(int argc, char** argv) {
  const std::size_t seconds = argc > 1 ? std::stoul(argv[1]) : 120;
  const std::size_t readers = argc > 2 ? std::stoul(argv[2]) : 3;
  picdex::test::TempDir dir;
  const auto report = picdex::test::run_shared(PICDEX_WORKER, dir.path(), seconds, readers);
  std::cout << report;
  bool clean = report.verify_ok && report.second_writer_batches == 20;
  for (const auto& r : report.readers)
    clean = clean && r.errors == 0 && r.shrank == 0 && r.stale == 0 &&
            r.same_results_as_fresh_open && r.exit_status == 0;
  return clean ? 0 : 1;
}
