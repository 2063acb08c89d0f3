#include "store/schema_shape.hpp"

#include <xxhash.h>

#include "store/migrations.hpp"

namespace picdex::store {

SchemaShape shape_of(SQLite::Database& db) {
  SchemaShape out;
  SQLite::Statement query(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema");
  while (query.executeStep()) {
    const std::string type = query.getColumn(0).getString();
    const bool code = type == "trigger" || type == "view";
    out[{type, query.getColumn(1).getString()}] = {query.getColumn(2).getString(),
                                                   code ? query.getColumn(3).getString() : ""};
  }
  return out;
}

SchemaShape built_shape(int version) {
  SQLite::Database scratch(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (const auto& m : migrations())
    if (m.version <= version) scratch.exec(std::string(m.sql));
  return shape_of(scratch);
}

std::uint64_t shape_digest(const SchemaShape& shape) {
  std::string bytes;
  const auto field = [&](const std::string& s) { bytes += std::to_string(s.size()) + ":" + s; };
  for (const auto& [key, value] : shape) {
    field(key.first);
    field(key.second);
    field(value.first);
    field(value.second);
  }
  return XXH3_64bits(bytes.data(), bytes.size());
}

}  // namespace picdex::store
