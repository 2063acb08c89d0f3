// log_soak: OPERATIONS puts and removes (half each) on a catalogue of constant size, in
// writes of 100 images, with the default options; prints the change log's size as it
// goes. The log must stay under a fixed bound however long it runs.
//   log_soak [OPERATIONS=1000000] [LIVE=10000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "support.hpp"

using namespace picdex;

int main(int argc, char** argv) {
  const std::size_t operations = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::size_t live = argc > 2 ? std::stoul(argv[2]) : 10000;
  constexpr std::size_t kBatch = 100;
  test::TempDir dir;
  auto cat = Catalogue::create(dir / "soak.pdx", {.embedder = "lexical:dim=64"});
  const auto started = std::chrono::steady_clock::now();
  std::size_t done = 0, most = 0, largest_graph = 0, batch = 0;
  std::printf("%12s %12s %12s %12s %10s\n", "operations", "last_seq", "log_entries", "graph",
              "seconds");
  while (done < operations) {
    std::vector<Image> images;
    for (std::size_t i = 0; i < kBatch; ++i)
      images.push_back({test::workload_uri(batch, i), {test::workload_caption(batch, i)}, "{}"});
    cat.put(images);
    done += kBatch;
    const std::size_t behind = live / kBatch;  // the batch that falls out of the window
    if (batch >= behind)
      for (std::size_t i = 0; i < kBatch; ++i) cat.remove(test::workload_uri(batch - behind, i));
    done += batch >= behind ? kBatch : 0;
    ++batch;
    const auto stats = cat.stats();
    most = std::max(most, stats.log_entries);
    largest_graph = std::max(largest_graph, stats.captions + stats.deleted);
    if (batch % 500 == 0 || done >= operations)
      std::printf(
          "%12zu %12lld %12zu %12zu %10.0f\n", done, static_cast<long long>(stats.last_seq),
          stats.log_entries, stats.captions + stats.deleted,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  const bool ok = cat.verify().ok();
  std::printf("largest log: %zu entries; largest graph: %zu elements; verify: %s\n", most,
              largest_graph, ok ? "ok" : "PROBLEMS");
  return ok ? 0 : 1;
}
