#include "index/snapshot.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "fault/failpoint.hpp"
#include "fault/file_watch.hpp"
#include "index/snapshot_format.hpp"
#include "picdex/error.hpp"

namespace picdex::index {

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::string snapshot_prefix(const std::filesystem::path& catalogue) {
  return catalogue.filename().string() + ".graph-";
}

std::optional<std::filesystem::path> snapshot_path(const std::filesystem::path& catalogue,
                                                   const std::string& name) {
  if (!name.starts_with(snapshot_prefix(catalogue)) || name.find('/') != std::string::npos)
    return std::nullopt;
  return catalogue.parent_path() / name;
}

UnsyncedSnapshot write_unsynced(const Graph& graph, const HitTable& hits,
                                const std::filesystem::path& catalogue, std::int64_t seq) {
  const auto base = catalogue.parent_path() / (snapshot_prefix(catalogue) + std::to_string(seq));
  // (Two saves of one process may overlap: an import's and a checkpoint's.)
  static std::atomic<unsigned> saves{0};
  auto tmp = base;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(saves++);
  const int fd = fault::create_file(tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    throw IoError(tmp.string() + ": cannot create graph snapshot: " + std::strerror(errno));
  FileLock lock(fd);
  ::flock(fd, LOCK_EX);  // ours alone: a fresh name no one else waits on
  try {
    const auto checksum = checksum_hex(graph.write(fd, hits));
    return {base, tmp, checksum, graph.elements(), std::move(lock)};
  } catch (const SnapshotError& e) {
    std::error_code ignored;
    fault::remove_file(tmp, ignored);
    throw IoError(tmp.string() + ": graph snapshot " + e.what() + " (disk full?)");
  }
}

SnapshotFile sync_snapshot(UnsyncedSnapshot unsynced, const std::filesystem::path& catalogue) {
  const auto& tmp = unsynced.temp;
  auto discard = [&] {
    std::error_code ignored;
    fault::remove_file(tmp, ignored);
  };
  if (fault::sync_file(unsynced.lock.fd(), tmp) != 0) {
    discard();
    throw IoError(tmp.string() + ": graph snapshot cannot be synced: " + std::strerror(errno) +
                  " (disk full?)");
  }
  auto path = unsynced.base;
  path += "-";
  path += unsynced.checksum.substr(0, 8);
  SnapshotFile file{path, std::filesystem::file_size(tmp), unsynced.checksum, unsynced.elements,
                    std::move(unsynced.lock)};
  fault::failpoint("snapshot.temp");
  std::error_code ec;
  fault::rename_file(tmp, path, ec);
  if (ec) {
    discard();
    throw IoError(path.string() + ": cannot rename graph snapshot: " + ec.message());
  }
  sync_folder_of(catalogue);
  fault::failpoint("snapshot.renamed");
  return file;
}

SnapshotFile write_snapshot(const Graph& graph, const HitTable& hits,
                            const std::filesystem::path& catalogue, std::int64_t seq) {
  return sync_snapshot(write_unsynced(graph, hits, catalogue, seq), catalogue);
}

void sync_folder_of(const std::filesystem::path& path) {
  const auto folder = path.parent_path().empty() ? "." : path.parent_path();
  if (fault::sync_folder(folder) != 0)
    throw IoError(folder.string() + ": cannot sync: " + std::strerror(errno));
}

std::vector<std::filesystem::path> stale_snapshots(const std::filesystem::path& catalogue,
                                                   const std::string& keep) {
  const auto prefix = snapshot_prefix(catalogue);
  const auto folder = catalogue.parent_path().empty() ? "." : catalogue.parent_path();
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const auto name = entry.path().filename().string();
    if (name.starts_with(prefix) && name != keep) out.push_back(entry.path());
  }
  return out;
}

std::size_t remove_stale_snapshots(const std::filesystem::path& catalogue,
                                   const std::string& keep) {
  std::size_t removed = 0;
  for (const auto& path : stale_snapshots(catalogue, keep)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    FileLock lock(fd);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) continue;  // a save in progress
    std::error_code ignored;
    removed += fault::remove_file(path, ignored);
  }
  return removed;
}

std::optional<std::string> check_snapshot(const SnapshotFile& expected, const GraphShape& shape) {
  try {
    HitTable hits;
    auto graph = Graph::map(shape, expected.path, expected.bytes, expected.checksum, hits);
    if (auto why = graph.make_writable()) return why;
    if (graph.elements() != expected.elements)
      return "holds another number of elements than the manifest";
    return std::nullopt;
  } catch (const SnapshotError& e) {
    return e.what();
  }
}

}  // namespace picdex::index
