// powercut_soak: the power-cut harness of tests/crash_test.cpp, for as long as you like.
//   powercut_soak [ROUNDS=200] [SEED=1] [--verbose]
// A seed reproduces its rounds exactly (the kill moments aside: those are times). Prints
// the tally; exits non-zero if anything acknowledged was lost or damaged.
#include <cstring>
#include <iostream>
#include <string>

#include "crash_rounds.hpp"
#include "support.hpp"

int main(int argc, char** argv) {
  const std::size_t rounds = argc > 1 ? std::stoul(argv[1]) : 200;
  const std::uint64_t seed = argc > 2 ? std::stoull(argv[2]) : 1;
  const bool verbose = argc > 3 && std::strcmp(argv[3], "--verbose") == 0;
  if (argc > 4 || (argc > 3 && !verbose)) {
    std::cerr << "usage: powercut_soak [ROUNDS] [SEED] [--verbose]\n";
    return 64;
  }
  picdex::test::TempDir dir;
  const auto tally = picdex::test::run_powercut_rounds(PICDEX_WORKER, dir.path(), rounds, seed,
                                                       verbose ? &std::cout : nullptr);
  std::cout << tally << "\n";
  return tally.clean() ? 0 : 1;
}
