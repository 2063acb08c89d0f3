// How the library's own files (graph snapshots) are created, synced, renamed and removed:
// the plain POSIX calls, each reported to a watcher when a test has installed one
// (tests/powercut.cpp records them to simulate power cuts). Without a watcher, reporting
// costs one branch. SQLite's files are watched through a VFS instead.
#pragma once

#include <filesystem>
#include <system_error>

namespace picdex::fault {

class FileWatcher {
 public:
  virtual ~FileWatcher() = default;
  virtual void created(const std::filesystem::path& path) = 0;  // new and empty
  virtual void synced(const std::filesystem::path& path) = 0;   // its data is durable
  virtual void renamed(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  virtual void folder_synced(const std::filesystem::path& folder) = 0;  // its entries are
  // Called before the file is removed, while it can still be read.
  virtual void removing(const std::filesystem::path& path) = 0;
};

// Installs `watcher` (nullptr: none) for the whole process; not thread-safe: call before
// opening a catalogue.
void watch_files(FileWatcher* watcher);

// open(2) with O_CREAT | O_TRUNC added; the descriptor, or -1 with errno set.
int create_file(const std::filesystem::path& path, int flags, int mode);
// fsync(2) of `fd`, the file at `path`; 0, or -1 with errno set.
int sync_file(int fd, const std::filesystem::path& path);
// fsync(2) of a folder; 0, or -1 with errno set.
int sync_folder(const std::filesystem::path& folder);
void rename_file(const std::filesystem::path& from, const std::filesystem::path& to,
                 std::error_code& ec);
// renameat2(2) with RENAME_NOREPLACE; 0, or -1 with errno set (EEXIST: `to` exists).
int rename_without_replacing(const std::filesystem::path& from, const std::filesystem::path& to);
bool remove_file(const std::filesystem::path& path, std::error_code& ec);

}  // namespace picdex::fault
