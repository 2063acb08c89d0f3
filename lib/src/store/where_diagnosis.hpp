// Why a search's metadata conditions match no image: the likely mistake, in words.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <span>
#include <string>

#include "picdex/filter.hpp"

namespace picdex::store {

// For conditions that no image meets together (the caller has found none): one line on
// the first condition that no image meets alone, naming the likely mistake: a key no
// image has (and the keys there are), a value in quotes, "and" inside a value, a value
// that differs only in case, a number out of the stored range; or that the conditions
// are met only one at a time. "" for an empty catalogue or no conditions. Runs on the
// caller's connection.
std::string why_no_image_matches(SQLite::Database& db, std::span<const Condition> conditions);

}  // namespace picdex::store
