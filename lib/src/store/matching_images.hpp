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

// The images a filter (a search's `where` conditions) matches, by image id.
class MatchingImages {
 public:
  MatchingImages() = default;
  bool contains(std::int64_t image) const {
    const auto at = static_cast<std::size_t>(image);
    return image >= 0 && at < member_.size() && member_[at];
  }
  std::size_t size() const { return size_; }
  // Of the catalogue's images.
  double fraction() const { return images_ ? static_cast<double>(size_) / images_ : 0.0; }

 private:
  friend MatchingImages match_images(SQLite::Database&, std::span<const Condition>);
  std::vector<bool> member_;  // by image id
  std::size_t size_ = 0, images_ = 0;
};

// Runs on the caller's connection (inside its transaction, if any). `conditions` may be
// empty: then every image matches.
MatchingImages match_images(SQLite::Database& db, std::span<const Condition> conditions);

}  // namespace picdex::store
