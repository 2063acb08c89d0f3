#include "store/database.hpp"

#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>

#include "picdex/error.hpp"
#include "store/migrations.hpp"
#include "store/schema_check.hpp"

namespace picdex::store {
namespace {

constexpr int kApplicationId = 0x50444958;  // "PDIX": marks a file as a picdex catalogue
constexpr int kBusyTimeoutMs = 10000;

// IoError unless `path`'s folder takes new files: a read-write catalogue writes its WAL,
// shared-memory index and snapshots beside it.
void check_writable_folder(const std::filesystem::path& path) {
  auto folder = path.parent_path();
  if (folder.empty()) folder = ".";
  struct statvfs fs {};
  if (statvfs(folder.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY))
    throw IoError(path.string() +
                  ": cannot write: it is on a read-only file system (reading commands work: "
                  "search, get, stats, export, verify)");
  if (access(folder.c_str(), W_OK | X_OK) != 0)
    throw IoError(path.string() +
                  ": cannot write: its folder is read-only to this user, and writing keeps a "
                  "journal and snapshots there (reading commands work)");
}

// The oldest format a read-only open reads as it is: format 4 changed only what writers
// do (they trim the change log), and a format-3 log is simply untrimmed. Older formats
// lack what searches read (the keyword index), so they need an upgrade first.
constexpr int kOldestReadable = 3;

int latest_version() {
  return migrations().empty() ? 0 : migrations().back().version;
}

void migrate(SQLite::Database& db, const std::string& where) {
  const int current = db.execAndGet("PRAGMA user_version").getInt();
  if (current > latest_version())
    throw FormatError(where + ": written by a newer picdex (format " + std::to_string(current) +
                      "; this build reads up to " + std::to_string(latest_version()) + ")");
  check_schema(db, current, where);  // before any migration runs in it
  for (const auto& m : migrations()) {
    if (m.version <= current) continue;
    SQLite::Transaction tx(db);
    db.exec(std::string(m.sql));
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    tx.commit();
  }
}

// False when a read-only connection cannot read because it may not create the WAL index
// (-shm): the file or its folder is read-only to us.
bool readable(SQLite::Database& db) {
  try {
    db.execAndGet("PRAGMA application_id");
    return true;
  } catch (const SQLite::Exception& e) {
    const int code = e.getErrorCode() & 0xff;
    if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN) return false;
    throw;
  }
}

// Opens a catalogue that no one can be writing (we cannot create its -shm, so neither
// can a writer without more rights) as immutable. Refused while a -wal file exists: it
// may hold committed changes that are not in the main file yet.
std::unique_ptr<SQLite::Database> open_immutable(const std::filesystem::path& path, int mutex) {
  std::error_code ec;
  if (std::filesystem::exists(path.string() + "-wal", ec))
    throw IoError(path.string() +
                  ": cannot read: the file or its folder is read-only to us and a writer's log "
                  "(-wal) is still beside it; open it once with write access");
  std::string uri = "file:";
  for (const char c : std::filesystem::absolute(path).string()) {
    if (c == '?' || c == '#' || c == '%') {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", static_cast<unsigned char>(c));
      uri += escaped;
    } else {
      uri += c;
    }
  }
  uri += "?immutable=1";
  return std::make_unique<SQLite::Database>(uri, SQLite::OPEN_READONLY | SQLITE_OPEN_URI | mutex,
                                            kBusyTimeoutMs);
}

}  // namespace

void rethrow_sqlite(const std::string& context, const SQLite::Exception& e) {
  const int code = e.getErrorCode() & 0xff;
  const std::string message = context + ": " + e.what();
  switch (code) {
    case SQLITE_NOTADB:
      throw FormatError(context + ": not a picdex catalogue (not an SQLite database)");
    case SQLITE_CORRUPT:
      throw FormatError(context + ": database is corrupt (" + e.what() + ")");
    case SQLITE_FULL:
      throw IoError(context + ": cannot write: the disk is full (" + e.what() + ")");
    case SQLITE_IOERR:
      if (e.getExtendedErrorCode() == SQLITE_IOERR_WRITE)
        throw IoError(context + ": cannot write: disk full or file size limit reached (" +
                      e.what() + ")");
      throw IoError(message);
    case SQLITE_READONLY:
      throw IoError(context + ": cannot write: the file or its folder is read-only (" + e.what() +
                    ")");
    case SQLITE_CANTOPEN:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PERM:
      throw IoError(message);
    default:
      throw Error(message);
  }
}

std::unique_ptr<SQLite::Database> open_database(const std::filesystem::path& path, OpenMode mode,
                                                Threads threads) {
  const std::string where = path.string();
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (mode == OpenMode::create && exists) throw IoError(where + ": already exists");
  if (mode != OpenMode::create && !exists) throw NotFoundError(where + ": no such catalogue");
  if (exists && std::filesystem::is_directory(path, ec))
    throw InputError(where + ": is a directory, not a catalogue file");
  if (mode != OpenMode::read_only) check_writable_folder(path);
  if (exists && mode != OpenMode::create) {
    const auto bytes = std::filesystem::file_size(path, ec);
    if (!ec && bytes < 512)  // SQLite's smallest page: no database is shorter
      throw FormatError(where + ": not a picdex catalogue (" + std::to_string(bytes) +
                        " bytes: empty or cut short)");
  }

  return guarded(where, [&] {
    const int flags = mode == OpenMode::read_only ? SQLite::OPEN_READONLY
                      : mode == OpenMode::create  ? SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE
                                                  : SQLite::OPEN_READWRITE;
    const int mutex = threads == Threads::any ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX;
    auto db = std::make_unique<SQLite::Database>(where, flags | mutex, kBusyTimeoutMs);
    if (mode == OpenMode::read_only && !readable(*db)) db = open_immutable(path, mutex);
    // Ordinary SQL may not corrupt the file (no writable_schema, no writes to FTS5's
    // shadow tables): only SQLite's own code writes those.
    sqlite3_db_config(db->getHandle(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    db->exec("PRAGMA cell_size_check = ON");  // find a damaged page before using it
    if (mode == OpenMode::create) {
      // Set before the first write (application_id's) creates the file's first page.
      // A 1024-d vector is 4 KiB: on 4 KiB pages each row would spill onto a second page;
      // 16 KiB pages hold three rows.
      db->exec("PRAGMA page_size = 16384");
      // Deleted rows' pages can go back to the file system without a full VACUUM.
      db->exec("PRAGMA auto_vacuum = INCREMENTAL");
      db->exec("PRAGMA application_id = " + std::to_string(kApplicationId));
    } else {
      // Reading the header fails with SQLITE_NOTADB for a file that is not SQLite.
      const int id = db->execAndGet("PRAGMA application_id").getInt();
      if (id != kApplicationId)
        throw FormatError(where + ": not a picdex catalogue (an SQLite file of another kind)");
    }
    // WAL (persistent once set) from the first read-write open on: a new file is built
    // with a rollback journal so that it is one complete file when renamed into place.
    if (mode == OpenMode::read_write) db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA foreign_keys = ON");
    // Sorting the log needs no temp files. Not on read-only connections, which do the
    // searches: there it made FTS5's ranked queries 12% slower (a million captions).
    if (mode != OpenMode::read_only) db->exec("PRAGMA temp_store = MEMORY");
    // No memory map (SQLite's advice for files of uncertain origin): a mapped page is
    // checked again (cell_size_check) each time it is used, which tripled the cost of a
    // keyword search. SQLite's own page cache, at its default size: a 64 MiB one made
    // keyword searches of 400,000 captions 4% slower.
    db->exec("PRAGMA mmap_size = 0");
    db->exec("PRAGMA synchronous = FULL");
    if (mode == OpenMode::read_only) {
      const int version = db->execAndGet("PRAGMA user_version").getInt();
      if (version > latest_version())
        throw FormatError(where + ": written by a newer picdex (format " + std::to_string(version) +
                          "; this build reads up to " + std::to_string(latest_version()) + ")");
      if (version < kOldestReadable)
        throw UpgradeNeededError(where + ": needs an upgrade to format " +
                                 std::to_string(latest_version()) + "; open it read-write once");
      check_schema(*db, version, where);
    } else {
      migrate(*db, where);
    }
    return db;
  });
}

}  // namespace picdex::store
