// Graph snapshot files (format: snapshot_format.hpp, graph_file.cpp): written atomically
// (temp file, fsync, rename, fsync folder), named by seq and checksum, locked while saved.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "index/graph.hpp"

namespace picdex::index {

// An exclusive advisory lock (flock) on a file, held while the object lives. A snapshot
// is locked from its temp file until its manifest row commits, so that no other process
// takes it for a leftover and removes it.
class FileLock {
 public:
  FileLock() = default;
  explicit FileLock(int fd) : fd_(fd) {}
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&& other) noexcept;
  ~FileLock();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

struct SnapshotFile {
  std::filesystem::path path;
  std::uint64_t bytes = 0;
  std::string checksum;  // XXH3-64, 16 hex digits
  std::uint64_t elements = 0;
  FileLock lock;  // held by write_snapshot's caller until the manifest names the file
};

// Snapshots of catalogue C are "C.graph-SEQ-CHECKSUM" (SEQ: the last change they hold);
// temp files are "C.graph-SEQ.tmp-PID-N". Both start with this prefix.
std::string snapshot_prefix(const std::filesystem::path& catalogue);

// Where the snapshot a manifest names lies: beside `catalogue`, named with its prefix. A
// name that is anything else (a path elsewhere, "..") came from a tampered file: nullopt,
// and picdex neither reads nor removes it.
std::optional<std::filesystem::path> snapshot_path(const std::filesystem::path& catalogue,
                                                   const std::string& name);

// Saves `graph` and `hits`, which hold the changes up to `seq`, beside `catalogue`
// atomically (temp file, fsync, rename, fsync of the folder) and returns what the manifest
// should record, with the file still locked. Throws IoError if it cannot be written.
SnapshotFile write_snapshot(const Graph& graph, const HitTable& hits,
                            const std::filesystem::path& catalogue, std::int64_t seq);
// write_snapshot in two steps, the first the only one that reads the graph: the temp file
// written (not yet synced), then synced, named, and its folder synced.
struct UnsyncedSnapshot {
  std::filesystem::path base, temp;
  std::string checksum;
  std::uint64_t elements = 0;
  FileLock lock;
};
UnsyncedSnapshot write_unsynced(const Graph& graph, const HitTable& hits,
                                const std::filesystem::path& catalogue, std::int64_t seq);
SnapshotFile sync_snapshot(UnsyncedSnapshot unsynced, const std::filesystem::path& catalogue);

// fsyncs the folder holding `path`, so that a rename or new file in it is durable.
void sync_folder_of(const std::filesystem::path& path);

// Snapshot and temp files of `catalogue` other than `keep`: leftovers of crashed or
// superseded saves, or saves in progress.
std::vector<std::filesystem::path> stale_snapshots(const std::filesystem::path& catalogue,
                                                   const std::string& keep);

// Removes those that no process holds locked. Returns how many it removed.
std::size_t remove_stale_snapshots(const std::filesystem::path& catalogue, const std::string& keep);

// Checks `expected` whole (size, checksum, structure) against `shape`: what opening
// read-only skips for layer 0. Returns nullopt if it is sound, else a one-line reason.
std::optional<std::string> check_snapshot(const SnapshotFile& expected, const GraphShape& shape);

}  // namespace picdex::index
