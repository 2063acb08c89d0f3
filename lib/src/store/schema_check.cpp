#include "store/schema_check.hpp"

#include <map>
#include <mutex>

#include "picdex/error.hpp"
#include "store/schema_shape.hpp"

namespace picdex::store {
namespace {

// built_shape(version), built once per process.
const SchemaShape& expected(int version) {
  static std::mutex mutex;
  static std::map<int, SchemaShape> built;
  std::lock_guard lock(mutex);
  if (auto it = built.find(version); it != built.end()) return it->second;
  return built[version] = built_shape(version);
}

}  // namespace

void check_schema(SQLite::Database& db, int version, const std::string& where) {
  const auto have = shape_of(db);
  // The usual case, without running the migrations: the shape the build computed. On any
  // difference (a foreign file, or an SQLite that builds FTS5's tables otherwise than the
  // build's did) the migrations run now and decide.
  if (shape_digest(have) == built_shape_digest(version)) return;
  const auto& want = expected(version);
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
