#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "threads/parallel_for.hpp"

// Every parallel loop of the library runs through picdex::parallel_for: each index once,
// and on failure the exception a plain loop would have thrown, never std::terminate.
TEST_CASE("parallel_for runs every index once, on any number of threads", "[threads]") {
  for (unsigned threads : {0u, 1u, 2u, 7u, 64u}) {
    for (std::size_t n : {0ul, 1ul, 5ul, 1000ul, 4097ul}) {
      std::vector<std::atomic<int>> runs(n);
      picdex::parallel_for(n, threads, [&](std::size_t i) { ++runs[i]; });
      std::size_t once = 0;
      for (const auto& r : runs) once += r == 1;
      CHECK(once == n);
    }
  }
}

TEST_CASE("parallel_for rethrows the lowest failing index's exception", "[threads]") {
  for (unsigned threads : {1u, 2u, 8u}) {
    INFO(threads << " threads");
    std::atomic<std::size_t> started_above{0};
    const auto loop = [&] {
      picdex::parallel_for(100000, threads, [&](std::size_t i) {
        if (i > 60000) ++started_above;
        if (i == 50000 || i == 70000 || i == 99999) throw std::runtime_error(std::to_string(i));
      });
    };
    CHECK_THROWS_WITH(loop(), "50000");
    // Indices above a failure are no longer started once it is known (blocks in flight
    // may finish): far fewer than the 40,000 a loop to the end would run.
    CHECK(started_above < 20000);
  }
}
