#include "fault/file_watch.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <unistd.h>

#include <cerrno>

namespace picdex::fault {
namespace {
FileWatcher* watcher = nullptr;
}  // namespace

void watch_files(FileWatcher* w) {
  watcher = w;
}

int create_file(const std::filesystem::path& path, int flags, int mode) {
  const int fd = ::open(path.c_str(), flags | O_CREAT | O_TRUNC, mode);
  if (fd >= 0 && watcher) watcher->created(path);
  return fd;
}

int sync_file(int fd, const std::filesystem::path& path) {
  const int rc = ::fsync(fd);
  if (rc == 0 && watcher) watcher->synced(path);
  return rc;
}

int sync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    errno = err;
    return -1;
  }
  if (watcher) watcher->folder_synced(folder);
  return 0;
}

void rename_file(const std::filesystem::path& from, const std::filesystem::path& to,
                 std::error_code& ec) {
  std::filesystem::rename(from, to, ec);
  if (!ec && watcher) watcher->renamed(from, to);
}

int rename_without_replacing(const std::filesystem::path& from, const std::filesystem::path& to) {
  const int rc = ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE);
  if (rc == 0 && watcher) watcher->renamed(from, to);
  return rc;
}

bool remove_file(const std::filesystem::path& path, std::error_code& ec) {
  if (watcher && std::filesystem::exists(path, ec)) watcher->removing(path);
  return std::filesystem::remove(path, ec);
}

}  // namespace picdex::fault
