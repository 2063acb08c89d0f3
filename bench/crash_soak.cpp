// crash_soak: the kill harness of tests/crash_test.cpp, for as long as you like.
//   crash_soak [ROUNDS=200] [SEED=1] [--verbose] [--graph int8]
// Prints the tally; exits non-zero if anything committed was lost or damaged.
#include <cstring>
#include <iostream>
#include <string>

#include "crash_rounds.hpp"
#include "support.hpp"

int main(int argc, char** argv) {
  const std::size_t rounds = argc > 1 ? std::stoul(argv[1]) : 200;
  const std::uint64_t seed = argc > 2 ? std::stoull(argv[2]) : 1;
  bool verbose = false;
  auto graph = picdex::GraphPrecision::float32;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--verbose") == 0) {
      verbose = true;
    } else if (std::strcmp(argv[i], "--graph") == 0 && i + 1 < argc &&
               picdex::graph_precision_named(argv[i + 1])) {
      graph = *picdex::graph_precision_named(argv[++i]);
    } else {
      std::cerr << "usage: crash_soak [ROUNDS] [SEED] [--verbose] [--graph float32|int8]\n";
      return 64;
    }
  }
  picdex::test::TempDir dir;
  const auto tally = picdex::test::run_crash_rounds(PICDEX_WORKER, dir.path(), rounds, seed,
                                                    verbose ? &std::cout : nullptr, graph);
  std::cout << tally << "\n";
  return tally.clean() ? 0 : 1;
}
