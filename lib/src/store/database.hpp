// Opening a catalogue's SQLite file: identity check, migrations, pragmas, and turning
// SQLite failures into picdex errors that name the file.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <memory>
#include <string>

namespace picdex::store {

enum class OpenMode { create, read_write, read_only };

// Who may use a connection: any thread at any time (SQLite serialises the calls), or one
// thread at a time, which the caller makes sure of (a pool's connections), without
// SQLite's mutex around every call.
enum class Threads { any, one_at_a_time };

// Opens (or with OpenMode::create, creates) a catalogue database. Throws NotFoundError,
// FormatError (not a catalogue, or a newer format) or IoError.
std::unique_ptr<SQLite::Database> open_database(const std::filesystem::path& path, OpenMode mode,
                                                Threads threads = Threads::any);

// Rethrows an SQLite failure as the matching picdex error, prefixed with `context`.
[[noreturn]] void rethrow_sqlite(const std::string& context, const SQLite::Exception& e);

// Runs `f` and rethrows SQLite failures as picdex errors prefixed with `context`.
template <typename F>
auto guarded(const std::string& context, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    rethrow_sqlite(context, e);
  }
}

}  // namespace picdex::store
