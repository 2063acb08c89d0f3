// A graph snapshot of arbitrary bytes whose manifest row claims to match them (right size
// and checksum): mapping it, checking it whole and searching it must end in a
// SnapshotError or work, never read outside the file. Graphs of 4 dimensions, M 16.
#include <unistd.h>
#include <xxhash.h>
#include <picdex/picdex.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>

#include "index/graph.hpp"
#include "index/snapshot_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One scratch file per process, removed at exit.
  static const struct Scratch {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("picdex-fuzz-" + std::to_string(::getpid()));
    ~Scratch() { std::filesystem::remove(path); }
  } scratch;
  const auto& path = scratch.path;
  if (auto* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  const auto checksum = picdex::index::checksum_hex(XXH3_64bits(data, size));
  const picdex::index::GraphShape shape{4, 16, 200};
  try {
    picdex::index::HitTable hits;
    auto graph = picdex::index::Graph::map(shape, path, size, checksum, hits);
    const std::vector<float> query{0.5f, 0.5f, 0.5f, 0.5f};
    graph.search(query, 5, 16);  // before the whole-file check: links are bounds-checked
    if (!graph.make_writable()) {
      graph.search(query, 5, 16);
      graph.exact(query, 5);
    }
    for (const auto& n : graph.search(query, 5, 16)) hits.entry(n.label);
  } catch (const picdex::index::SnapshotError&) {
  }
  return 0;
}
