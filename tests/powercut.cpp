#include "powercut.hpp"

#include "fault/file_watch.hpp"
#include "support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

namespace picdex::test {
namespace {

// --- the recording VFS

std::mutex log_mutex;
int log_fd = -1;
std::uint64_t changes_logged = 0, cut_at = 0;  // cut_at 0: never
sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs recording_vfs;
sqlite3_io_methods recording_methods;

// One log record: kind, path, two numbers, two byte strings (lengths first).
void append(char kind, const std::string& path, std::int64_t a, std::int64_t b,
            std::string_view one = {}, std::string_view two = {}) {
  std::string record(1, kind);
  auto number = [&](auto n) { record.append(reinterpret_cast<const char*>(&n), sizeof n); };
  number(static_cast<std::uint32_t>(path.size()));
  record += path;
  number(a);
  number(b);
  for (const auto bytes : {one, two}) {
    number(static_cast<std::uint32_t>(bytes.size()));
    record += bytes;
  }
  std::lock_guard lock(log_mutex);
  if (++changes_logged == cut_at) ::raise(SIGKILL);  // the power goes: this change is not made
  for (std::size_t at = 0; at < record.size();) {
    const auto n = ::write(log_fd, record.data() + at, record.size() - at);
    if (n <= 0) std::abort();  // a test that cannot log must not pass
    at += static_cast<std::size_t>(n);
  }
}

struct RecordingFile {
  sqlite3_file base;
  sqlite3_file* real;  // allocated just after this struct
  std::string* path;   // null: not logged (temporary files)
};

RecordingFile& as_recording(sqlite3_file* f) {
  return *reinterpret_cast<RecordingFile*>(f);
}
sqlite3_file* real_of(sqlite3_file* f) {
  return as_recording(f).real;
}

sqlite3_int64 size_of(sqlite3_file* real) {
  sqlite3_int64 size = 0;
  real->pMethods->xFileSize(real, &size);
  return size;
}

// The bytes [offset, offset + n) of `real`, as far as it has them.
std::string read_bytes(sqlite3_file* real, sqlite3_int64 offset, sqlite3_int64 n) {
  const auto size = size_of(real);
  const auto have = std::max<sqlite3_int64>(0, std::min(n, size - offset));
  std::string bytes(static_cast<std::size_t>(have), '\0');
  if (have > 0) real->pMethods->xRead(real, bytes.data(), static_cast<int>(have), offset);
  return bytes;
}

int x_close(sqlite3_file* f) {
  auto& file = as_recording(f);
  const int rc = file.real->pMethods ? file.real->pMethods->xClose(file.real) : SQLITE_OK;
  delete file.path;
  return rc;
}
int x_read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
  return real_of(f)->pMethods->xRead(real_of(f), p, n, off);
}
int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  auto& file = as_recording(f);
  if (file.path)
    append('W', *file.path, off, size_of(file.real), read_bytes(file.real, off, n),
           {static_cast<const char*>(p), static_cast<std::size_t>(n)});
  return file.real->pMethods->xWrite(file.real, p, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  auto& file = as_recording(f);
  if (file.path) {
    const auto old = size_of(file.real);
    if (size < old) append('T', *file.path, size, old, read_bytes(file.real, size, old - size));
  }
  return file.real->pMethods->xTruncate(file.real, size);
}
int x_sync(sqlite3_file* f, int flags) {
  auto& file = as_recording(f);
  const int rc = file.real->pMethods->xSync(file.real, flags);
  if (rc == SQLITE_OK && file.path) append('S', *file.path, 0, 0);
  return rc;
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int x_lock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int x_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int x_sector_size(sqlite3_file* f) {
  return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int x_device_characteristics(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
  real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int x_shm_unmap(sqlite3_file* f, int remove) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), remove);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return real_of(f)->pMethods->xFetch(real_of(f), off, n, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto& file = as_recording(f);
  file.real = reinterpret_cast<sqlite3_file*>(&file + 1);
  file.path = nullptr;
  const bool existed = name && ::access(name, F_OK) == 0;
  if (name && !existed && (flags & SQLITE_OPEN_CREATE)) append('C', name, 0, 0);
  const int rc = real_vfs->xOpen(real_vfs, name, file.real, flags, out_flags);
  if (rc != SQLITE_OK) {
    f->pMethods = nullptr;
    return rc;
  }
  if (name) file.path = new std::string(name);
  f->pMethods = &recording_methods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_folder) {
  append('D', name, sync_folder, 0, read_text(name));
  return real_vfs->xDelete(real_vfs, name, sync_folder);
}

// The library's own files (graph snapshots): their creations, syncs, renames, removals
// and folder syncs. Their writes are not logged: a file not synced since its creation may
// lose any of its sectors.
class LibraryFileRecorder : public fault::FileWatcher {
 public:
  void created(const std::filesystem::path& path) override { append('n', path, 0, 0); }
  void synced(const std::filesystem::path& path) override { append('y', path, 0, 0); }
  void renamed(const std::filesystem::path& from, const std::filesystem::path& to) override {
    append('r', from, 0, 0, to.string());
  }
  void folder_synced(const std::filesystem::path& folder) override {
    append('f', std::filesystem::absolute(folder).lexically_normal(), 0, 0);
  }
  void removing(const std::filesystem::path& path) override {
    append('x', path, 0, 0, read_text(path));
  }
};

LibraryFileRecorder library_files;

// --- materialising a power cut

struct Op {
  char kind;
  std::int64_t a, b;
  std::string one, two;
};

struct FileHistory {
  std::vector<Op> unsynced;       // since the last sync (or the creation)
  bool created_unsynced = false;  // created and never synced since
  bool deleted = false;
  bool deletion_synced = false;
  std::string content_at_deletion;
};

void put_at(std::string& content, std::int64_t offset, std::string_view bytes) {
  const auto end = static_cast<std::size_t>(offset) + bytes.size();
  if (content.size() < end) content.resize(end, '\0');
  std::copy(bytes.begin(), bytes.end(), content.begin() + offset);
}

// Undoes the unsynced changes, newest first: what the file held at its last sync.
void revert(std::string& content, const std::vector<Op>& ops) {
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    if (it->kind == 'W') {
      put_at(content, it->a, it->one);
      content.resize(static_cast<std::size_t>(it->b), '\0');  // its size before the write
    } else {                                                  // 'T': the truncated tail back
      content.resize(static_cast<std::size_t>(it->b), '\0');
      put_at(content, it->a, it->one);
    }
  }
}

std::string folder_of(const std::string& path) {
  return std::filesystem::absolute(path).parent_path().lexically_normal().string();
}

// After a sync of `folder`: the creations and deletions of SQLite's files in it are durable.
void folder_synced(std::map<std::string, FileHistory>& files, const std::string& folder) {
  for (auto& [path, file] : files) {
    if (folder_of(path) != folder) continue;
    file.created_unsynced = false;
    if (file.deleted) file.deletion_synced = true;
  }
}

struct LibraryOp {
  char kind;
  std::string path, other;  // other: the new name ('r') or the content removed ('x')
};

// The library's files after the power cut: a file not synced since its creation loses
// some sectors (and maybe its end); a creation, rename or removal its folder was not
// synced after is undone, or not.
void materialise_library_files(const std::vector<LibraryOp>& ops, std::mt19937_64& rng,
                               PowerCut& cut) {
  auto chance = [&](double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; };
  std::map<std::string, bool> synced;                          // by current name
  std::map<std::string, std::vector<const LibraryOp*>> names;  // unsynced, by folder
  for (const auto& op : ops) {
    switch (op.kind) {
      case 'n':
        synced[op.path] = false;
        names[folder_of(op.path)].push_back(&op);
        break;
      case 'y':
        synced[op.path] = true;
        break;
      case 'r':
        if (const auto it = synced.find(op.path); it != synced.end()) {  // (else SQLite's)
          synced[op.other] = it->second;
          synced.erase(op.path);
        }
        names[folder_of(op.path)].push_back(&op);
        break;
      case 'x':
        synced.erase(op.path);
        names[folder_of(op.path)].push_back(&op);
        break;
      case 'f':
        names[op.path].clear();
        break;
    }
  }
  for (const auto& [path, durable] : synced) {
    if (durable || !std::filesystem::exists(path)) continue;
    ++cut.unsynced;
    auto content = read_text(path);
    for (std::size_t sector = 0; sector < content.size(); sector += 512)
      if (chance(0.25))
        std::fill(content.begin() + sector,
                  content.begin() + std::min(content.size(), sector + 512), '\0');
    if (chance(0.25)) content.resize(content.size() / 512 * 512 / 2);
    ++cut.torn;
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  for (auto& [folder, unsynced] : names)
    for (auto it = unsynced.rbegin(); it != unsynced.rend(); ++it) {
      const auto& op = **it;
      ++cut.unsynced;
      if (chance(0.5)) {
        ++cut.kept;
        continue;
      }
      std::error_code ignored;
      if (op.kind == 'n') {
        std::filesystem::remove(op.path, ignored);
        ++cut.lost_files;
      } else if (op.kind == 'r') {
        if (std::filesystem::exists(op.other)) std::filesystem::rename(op.other, op.path, ignored);
      } else {  // 'x': back, as it was
        std::ofstream(op.path, std::ios::binary)
            .write(op.other.data(), static_cast<std::streamsize>(op.other.size()));
      }
    }
}

}  // namespace

void install_powercut_recorder(const std::filesystem::path& log, std::uint64_t cut_at_change) {
  cut_at = cut_at_change;
  log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error(log.string() + ": cannot open the power-cut log");
  real_vfs = sqlite3_vfs_find(nullptr);
  recording_vfs = *real_vfs;
  recording_vfs.zName = "picdex-powercut";
  recording_vfs.szOsFile = static_cast<int>(sizeof(RecordingFile)) + real_vfs->szOsFile;
  recording_vfs.xOpen = x_open;
  recording_vfs.xDelete = x_delete;
  recording_methods = {3,
                       x_close,
                       x_read,
                       x_write,
                       x_truncate,
                       x_sync,
                       x_file_size,
                       x_lock,
                       x_unlock,
                       x_check_reserved_lock,
                       x_file_control,
                       x_sector_size,
                       x_device_characteristics,
                       x_shm_map,
                       x_shm_lock,
                       x_shm_barrier,
                       x_shm_unmap,
                       x_fetch,
                       x_unfetch};
  if (sqlite3_vfs_register(&recording_vfs, /*makeDflt=*/1) != SQLITE_OK)
    throw std::runtime_error("cannot register the power-cut VFS");
  fault::watch_files(&library_files);
}

std::string PowerCut::describe() const {
  return std::to_string(unsynced) + " unsynced changes, " + std::to_string(kept) + " kept (" +
         std::to_string(torn) + " torn), " + std::to_string(lost_files) + " unsynced files lost";
}

PowerCut materialise_power_cut(const std::filesystem::path& log, std::uint64_t seed) {
  const auto bytes = read_text(log);
  std::map<std::string, FileHistory> files;
  std::vector<LibraryOp> library;  // in order
  std::size_t at = 0;
  auto take = [&](void* out, std::size_t n) {
    if (at + n > bytes.size()) return false;
    std::memcpy(out, bytes.data() + at, n);
    at += n;
    return true;
  };
  auto take_string = [&](std::string& out) {
    std::uint32_t n = 0;
    if (!take(&n, sizeof n) || at + n > bytes.size()) return false;
    out.assign(bytes.data() + at, n);
    at += n;
    return true;
  };
  // A record cut short by the kill is dropped: its change was not made yet.
  while (at < bytes.size()) {
    Op op{};
    std::string path;
    if (!take(&op.kind, 1) || !take_string(path) || !take(&op.a, sizeof op.a) ||
        !take(&op.b, sizeof op.b) || !take_string(op.one) || !take_string(op.two))
      break;
    if (std::string_view("nyrfx").find(op.kind) != std::string_view::npos) {
      if (op.kind == 'r' && files.count(path)) {  // an SQLite file renamed (a new catalogue)
        files[op.one] = std::move(files[path]);
        files.erase(path);
      }
      if (op.kind == 'f') folder_synced(files, path);
      library.push_back({op.kind, std::move(path), std::move(op.one)});
      continue;
    }
    auto& file = files[path];
    switch (op.kind) {
      case 'C':
        file = {};
        file.created_unsynced = true;
        break;
      case 'S':
        file.unsynced.clear();
        // SQLite syncs the folder on a new journal's or log's first sync (unix VFS,
        // UNIXFILE_DIRSYNC): every entry of the folder is durable from then on.
        if (file.created_unsynced && (path.ends_with("-journal") || path.ends_with("-wal"))) {
          folder_synced(files, folder_of(path));
          library.push_back({'f', folder_of(path), ""});
        }
        file.created_unsynced = false;
        break;
      case 'D':
        file.deleted = true;
        file.deletion_synced = op.a != 0;
        file.content_at_deletion = std::move(op.one);
        break;
      default:  // 'W', 'T'
        file.unsynced.push_back(std::move(op));
    }
  }

  std::mt19937_64 rng(seed);
  auto chance = [&](double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; };
  // How much of what was unsynced reaches the disk, this time: none, some or all.
  const double keep = std::array{0.0, 0.5, 1.0, 0.25, 0.75}[rng() % 5];
  PowerCut cut;
  for (auto& [path, file] : files) {
    cut.unsynced += file.unsynced.size();
    std::string content;
    if (file.deleted) {
      // A deletion the folder was not synced after may be undone, with the file as it
      // was then; a file created and never synced has nothing to come back to.
      if (file.deletion_synced || file.created_unsynced || !chance(0.5)) continue;
      content = std::move(file.content_at_deletion);
    } else {
      if (file.created_unsynced && chance(0.25)) {
        std::filesystem::remove(path);
        ++cut.lost_files;
        continue;
      }
      content = read_text(path);
    }
    revert(content, file.unsynced);
    // Any subset lands. Applied in the order they were made: a disk may reorder writes to
    // different sectors (which a subset covers), but never puts an older version of a
    // sector over a newer one (writeback of a page is serialised).
    std::vector<const Op*> landed;
    for (const auto& op : file.unsynced)
      if (chance(keep)) landed.push_back(&op);
    for (const auto* op : landed) {
      ++cut.kept;
      if (op->kind == 'T') {
        content.resize(static_cast<std::size_t>(op->a), '\0');
        continue;
      }
      if (op->two.size() > 512 && chance(0.25)) {  // torn: some sectors only
        ++cut.torn;
        for (std::size_t from = 0; from < op->two.size();) {
          const auto sector_end = std::min<std::size_t>(
              op->two.size(), (static_cast<std::size_t>(op->a) + from) / 512 * 512 + 512 -
                                  static_cast<std::size_t>(op->a));
          if (chance(0.5))
            put_at(content, op->a + static_cast<std::int64_t>(from),
                   std::string_view(op->two).substr(from, sector_end - from));
          from = sector_end;
        }
      } else {
        put_at(content, op->a, op->two);
      }
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error(path + ": cannot write the power-cut state");
  }
  materialise_library_files(library, rng, cut);
  std::filesystem::remove(log);
  return cut;
}

}  // namespace picdex::test
