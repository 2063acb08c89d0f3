// Graph snapshot files: written atomically (temp file, fsync, rename, fsync folder) and
// checked before hnswlib may read one (hnswlib trusts its input completely).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "index/graph.hpp"

namespace picdex::index {

struct SnapshotFile {
  std::filesystem::path path;
  std::uint64_t bytes = 0;
  std::string checksum;  // XXH3-64, 16 hex digits
  std::uint64_t elements = 0;
};

// Saves `graph` as `path` atomically and returns what the manifest should record.
// Throws IoError if the file cannot be written completely.
SnapshotFile write_snapshot(const Graph& graph, const std::filesystem::path& path);

// Checks `expected` (size, checksum) and the file's structure against `shape`. Returns
// nullopt if it is sound, else a one-line reason.
std::optional<std::string> check_snapshot(const SnapshotFile& expected, const GraphShape& shape);

}  // namespace picdex::index
