#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "support.hpp"

using namespace picdex;

TEST_CASE("several threads search one catalogue while another thread writes", "[concurrency]") {
  test::TempDir dir;
  auto cat = Catalogue::create(dir / "c.pdx");
  const auto captions = test::synthetic_captions(3000, 21);
  std::vector<Image> first;
  for (std::size_t i = 0; i < 1000; ++i)
    first.push_back({"img" + std::to_string(i), {captions[i]}, "{}"});
  cat.put(first);

  std::atomic<bool> done{false};
  std::atomic<std::size_t> searches{0}, failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&, t] {
      std::size_t i = static_cast<std::size_t>(t);
      while (!done) {
        try {
          const auto hits = cat.search(captions[i % 1000], {.k = 10});
          // Every image has one caption, so k hits, and the exact caption ranks first.
          if (hits.size() != 10 || hits[0].score < 0.999f) ++failures;
        } catch (...) {
          ++failures;
        }
        ++searches;
        i += 3;
      }
    });
  for (std::size_t i = 1000; i < 3000; i += 50) {
    std::vector<Image> batch;
    for (std::size_t j = i; j < i + 50; ++j)
      batch.push_back({"img" + std::to_string(j), {captions[j]}, "{}"});
    cat.put(batch);
    cat.remove("img" + std::to_string(i + 10));  // removals among the writes
  }
  done = true;
  for (auto& r : readers) r.join();
  CHECK(searches > 100);
  CHECK(failures == 0);
  CHECK(cat.verify().ok());
}
