// Which images' metadata satisfy a search's conditions, decided by SQLite's JSON
// functions. The SQL is put together from fixed fragments chosen by each condition's
// operator; keys and values are always bound parameters, never part of the SQL text.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <span>
#include <vector>

#include "picdex/filter.hpp"

namespace picdex::store {

struct ImageMatch {
  std::vector<std::int64_t> ids;  // matching image ids, ascending
  std::size_t images = 0;         // images in the catalogue
};

// Runs on the caller's connection (inside its transaction, if any). `conditions` may be
// empty: then every image matches.
ImageMatch match_images(SQLite::Database& db, std::span<const Condition> conditions);

}  // namespace picdex::store
