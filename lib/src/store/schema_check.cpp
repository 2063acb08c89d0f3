#include "store/schema_check.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <tuple>

#include "picdex/error.hpp"
#include "store/migrations.hpp"

namespace picdex::store {
namespace {

// One schema object: (type, name) -> (table it belongs to, SQL text where it matters).
using Schema = std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>>;

Schema schema_of(SQLite::Database& db) {
  Schema out;
  SQLite::Statement query(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema");
  while (query.executeStep()) {
    const std::string type = query.getColumn(0).getString();
    // Tables' text may differ by SQLite version (FTS5's shadow tables) and by harmless
    // formatting; triggers and views are code, compared whole.
    const bool code = type == "trigger" || type == "view";
    out[{type, query.getColumn(1).getString()}] = {query.getColumn(2).getString(),
                                                   code ? query.getColumn(3).getString() : ""};
  }
  return out;
}

// The schema picdex's migrations 1..version build in an empty database.
const Schema& expected(int version) {
  static std::mutex mutex;
  static std::map<int, Schema> built;
  std::lock_guard lock(mutex);
  if (auto it = built.find(version); it != built.end()) return it->second;
  SQLite::Database scratch(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (const auto& m : migrations())
    if (m.version <= version) scratch.exec(std::string(m.sql));
  return built[version] = schema_of(scratch);
}

}  // namespace

void check_schema(SQLite::Database& db, int version, const std::string& where) {
  const auto& want = expected(version);
  const auto have = schema_of(db);
  const auto refuse = [&](const std::string& what) {
    throw FormatError(where + ": not a sound picdex catalogue: " + what + " (format " +
                      std::to_string(version) +
                      " defines its schema exactly; refusing to run anything in it)");
  };
  for (const auto& [key, value] : have) {
    const auto it = want.find(key);
    if (it == want.end()) refuse(key.first + " '" + key.second + "' is not picdex's");
    if (it->second != value) refuse(key.first + " '" + key.second + "' has been altered");
  }
  for (const auto& [key, value] : want)
    if (!have.count(key)) refuse(key.first + " '" + key.second + "' is missing");
}

}  // namespace picdex::store
