#include "store/where_diagnosis.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "io/ascii.hpp"
#include "store/matching_images.hpp"

namespace picdex::store {
namespace {

std::string as_text(const Condition& c) {
  if (c.op == Condition::Op::in) {
    std::string list;
    for (const auto& v : c.values) {
      if (!list.empty()) list += ',';
      list += v;
    }
    return c.key + " in " + list;
  }
  const char* symbol = comparison_symbol(c.op);
  return c.key + (symbol ? symbol : c.op == Condition::Op::equal ? "=" : "!=") + c.values.at(0);
}

// "a, b, c" (and "..." past `most`).
std::string listed(const std::vector<std::string>& items, std::size_t most) {
  std::string out;
  for (std::size_t i = 0; i < std::min(items.size(), most); ++i) {
    if (i) out += ", ";
    out += items[i];
  }
  if (items.size() > most) out += ", ...";
  return out;
}

std::vector<std::string> column_of(SQLite::Statement& query) {
  std::vector<std::string> out;
  while (query.executeStep()) out.push_back(query.getColumn(0).getString());
  return out;
}

std::size_t images_with_key(SQLite::Database& db, const std::string& key) {
  SQLite::Statement query(db,
                          "SELECT count(*) FROM images WHERE EXISTS (SELECT 1 FROM "
                          "json_each(images.metadata) AS m WHERE m.key = ?1)");
  query.bind(1, key);
  query.executeStep();
  return static_cast<std::size_t>(query.getColumn(0).getInt64());
}

std::size_t matching(SQLite::Database& db, const Condition& c) {
  return match_images(db, std::span(&c, 1)).size();
}

// The value without one pair of surrounding quotes ('x' or "x"), or nothing.
std::optional<std::string> unquoted(const std::string& value) {
  if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
      value.back() == value.front())
    return value.substr(1, value.size() - 2);
  return std::nullopt;
}

// Where " and " (any case) splits `value`, or npos.
std::size_t and_at(const std::string& value) {
  return io::ascii_lower(value).find(" and ");
}

// Why no image meets `c`, which none does alone.
std::string why_not(SQLite::Database& db, const Condition& c) {
  const auto what = "no image has " + as_text(c);
  if (images_with_key(db, c.key) == 0) {
    SQLite::Statement keys(db,
                           "SELECT DISTINCT m.key FROM images, json_each(images.metadata) AS m "
                           "ORDER BY 1 LIMIT 11");
    const auto known = column_of(keys);
    return "no image has the key '" + c.key + "'" +
           (known.empty() ? " (no image has metadata)" : " (keys: " + listed(known, 10) + ")");
  }
  if (c.op == Condition::Op::not_equal) return "every image has " + c.key + "=" + c.values[0];
  if (comparison_symbol(c.op)) {
    SQLite::Statement range(db,
                            "SELECT min(m.atom), max(m.atom) FROM images, "
                            "json_each(images.metadata) AS m WHERE m.key = ?1 AND m.type IN "
                            "('integer', 'real')");
    range.bind(1, c.key);
    range.executeStep();
    if (range.getColumn(0).isNull()) return what + " (no image's " + c.key + " is a number)";
    return what + " (" + c.key + " goes from " + range.getColumn(0).getString() + " to " +
           range.getColumn(1).getString() + ")";
  }
  // equal or in: each value matches nothing; explain the first that looks like a mistake.
  for (const auto& value : c.values) {
    const auto bare = unquoted(value);
    if (bare) {
      Condition without = c;
      without.values = {*bare};
      if (const auto n = matching(db, without))
        return what + ": the quotes are part of the value; " + std::to_string(n) +
               (n == 1 ? " image has " : " images have ") + c.key + "=" + *bare +
               " (quote for the shell only: --where \"" + c.key + "=" + *bare + "\")";
    }
    if (const auto at = and_at(value); at != std::string::npos)
      return what + ": 'and' is not syntax; give one --where per condition (--where \"" + c.key +
             "=" + value.substr(0, at) + "\" --where \"" + value.substr(at + 5) + "\")";
    SQLite::Statement cased(db,
                            "SELECT DISTINCT m.atom FROM images, json_each(images.metadata) AS m "
                            "WHERE m.key = ?1 AND m.type = 'text' AND m.atom = ?2 COLLATE NOCASE "
                            "ORDER BY 1 LIMIT 4");
    cased.bind(1, c.key);
    cased.bind(2, bare.value_or(value));
    if (const auto near = column_of(cased); !near.empty())
      return what + ": " + (bare ? "the quotes are part of the value, and " : "") +
             "values match exactly; " + c.key + " has " + listed(near, 3) + ", which " +
             (near.size() == 1 ? "differs" : "differ") + " only in case";
  }
  SQLite::Statement common(db,
                           "SELECT m.atom FROM images, json_each(images.metadata) AS m WHERE "
                           "m.key = ?1 AND m.type NOT IN ('object', 'array', 'null') GROUP BY "
                           "m.atom ORDER BY count(*) DESC, m.atom LIMIT 6");
  common.bind(1, c.key);
  return what + " (most common values: " + listed(column_of(common), 5) + ")";
}

}  // namespace

std::string why_no_image_matches(SQLite::Database& db, std::span<const Condition> conditions) {
  if (conditions.empty() || db.execAndGet("SELECT NOT EXISTS (SELECT 1 FROM images)").getInt())
    return "";  // (an empty catalogue: nothing to explain)
  for (const auto& c : conditions)
    if (matching(db, c) == 0) return why_not(db, c);
  return "no image meets all " + std::to_string(conditions.size()) +
         " conditions together, though each alone is met";
}

}  // namespace picdex::store
