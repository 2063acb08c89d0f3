// engine_search: a catalogue searched where it was pushed (picdex push) against the same
// searches here, in one process on the same queries: per query the engine's latency and
// the local HNSW search's, and how many of the local top 10 the engine's top 10 holds (for
// an engine that scans exactly, ClickHouse, that is the local graph's recall@10).
//   engine_search CATALOGUE URL QUERIES [ROUNDS]   (QUERIES: one text a line)
#include <picdex/picdex.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: engine_search CATALOGUE URL QUERIES [ROUNDS]\n");
    return 64;
  }
  const int rounds = argc == 5 ? std::stoi(argv[4]) : 3;
  picdex::OpenOptions read_only;
  read_only.read_only = true;
  auto local = picdex::Catalogue::open(argv[1], read_only);
  auto remote = picdex::RemoteCatalogue::connect(argv[2]);
  std::vector<std::vector<float>> queries;
  std::ifstream in(argv[3]);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto& v = queries.emplace_back(local.dim());
    local.embedder().embed(line, v);
  }
  std::vector<double> engine_ms, local_ms;
  double found = 0;
  for (int round = 0; round < rounds; ++round)
    for (const auto& q : queries) {
      auto start = std::chrono::steady_clock::now();
      const auto there = remote.search(q, {.k = 10});
      engine_ms.push_back(seconds_since(start) * 1e3);
      start = std::chrono::steady_clock::now();
      const auto here = local.search(q, {.k = 10});
      local_ms.push_back(seconds_since(start) * 1e3);
      std::set<std::string> exact;
      for (const auto& hit : there) exact.insert(hit.uri);
      for (const auto& hit : here) found += exact.count(hit.uri);
    }
  const auto n = static_cast<double>(engine_ms.size());
  std::printf("%zu images, %zu queries x %d rounds\n", local.size(), queries.size(), rounds);
  std::printf(
      "engine: p50 %.1f ms, p99 %.1f ms; local HNSW: p50 %.3f ms, p99 %.3f ms "
      "(engine / local p50: %.0fx)\n",
      percentile(engine_ms, 0.5), percentile(engine_ms, 0.99), percentile(local_ms, 0.5),
      percentile(local_ms, 0.99), percentile(engine_ms, 0.5) / percentile(local_ms, 0.5));
  std::printf("overlap of the local and the engine's top 10: %.4f\n", found / (10 * n));
}
