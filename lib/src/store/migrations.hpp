// The schema as numbered migrations (schema/NNN_name.sql, compiled in), applied in
// order by Database: migration N brings PRAGMA user_version from N-1 to N. A released
// migration is never edited: catalogues of format N are checked against exactly what
// migrations 1..N build (store/schema_check.hpp); a change is a new migration.
#pragma once

#include <string_view>
#include <vector>

namespace picdex::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& migrations();

}  // namespace picdex::store
