#include "store/matching_images.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#include "io/number.hpp"
#include "picdex/error.hpp"

namespace picdex::store {
namespace {

std::string parameter(int n) {
  std::string out = "?";
  out += std::to_string(n);  // not "?" + ...: g++ 12 warns falsely (-Wrestrict) on that
  return out;
}

// The image's value at key ?key equals one of the strings in the JSON array ?strings (a
// string equal to it, or true/false for a boolean) or of the numbers in ?numbers.
std::string equals_one_of(int key, int strings, int numbers) {
  return "EXISTS (SELECT 1 FROM json_each(images.metadata) AS m WHERE m.key = " + parameter(key) +
         " AND CASE"
         " WHEN m.type IN ('integer', 'real') THEN m.atom IN (SELECT value FROM json_each(" +
         parameter(numbers) +
         "))"
         " WHEN m.type = 'text' THEN m.atom IN (SELECT value FROM json_each(" +
         parameter(strings) +
         "))"
         " WHEN m.type IN ('true', 'false') THEN m.type IN (SELECT value FROM json_each(" +
         parameter(strings) + ")) ELSE 0 END)";
}

// The image's value at key ?key is a number and compares with the number ?number by `op`.
std::string compares(int key, const char* op, int number) {
  return "EXISTS (SELECT 1 FROM json_each(images.metadata) AS m WHERE m.key = " + parameter(key) +
         " AND m.type IN ('integer', 'real') AND m.atom " + op + " " + parameter(number) + ")";
}

}  // namespace

MatchingImages match_images(SQLite::Database& db, std::span<const Condition> conditions) {
  // Condition i's parameters are ?3i+1 (key), ?3i+2 and ?3i+3.
  std::string sql = "SELECT id, ";
  if (conditions.empty()) sql += "1";
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    const auto& c = conditions[i];
    const int first = static_cast<int>(3 * i + 1);
    if (i) sql += " AND ";
    if (const char* op = comparison_symbol(c.op))
      sql += compares(first, op, first + 1);
    else
      sql += (c.op == Condition::Op::not_equal ? "NOT " : "") +
             equals_one_of(first, first + 1, first + 2);
  }
  sql += " FROM images ORDER BY id";
  SQLite::Statement query(db, sql);
  int parameter = 1;
  for (const auto& c : conditions) {
    query.bind(parameter++, c.key);
    if (comparison_symbol(c.op)) {
      const auto bound = io::finite_number(c.values.at(0));
      if (!bound) throw InputError("where '" + c.key + "': '" + c.values[0] + "' is not a number");
      query.bind(parameter++, *bound);
      ++parameter;  // unused
      continue;
    }
    auto strings = nlohmann::json::array(), numbers = nlohmann::json::array();
    for (const auto& v : c.values) {
      strings.push_back(v);
      if (const auto n = io::finite_number(v)) numbers.push_back(*n);
    }
    // Invalid UTF-8 (possible in a Condition built by hand) becomes U+FFFD: never a match.
    constexpr auto replace = nlohmann::json::error_handler_t::replace;
    query.bind(parameter++, strings.dump(-1, ' ', false, replace));
    query.bind(parameter++, numbers.dump());
  }
  MatchingImages out;
  while (query.executeStep()) {
    ++out.images_;
    if (!query.getColumn(1).getInt()) continue;
    const auto id = static_cast<std::size_t>(query.getColumn(0).getInt64());
    if (id >= out.member_.size()) out.member_.resize(std::max(id + 1, 2 * out.member_.size()));
    out.member_[id] = true;
    ++out.size_;
  }
  return out;
}

}  // namespace picdex::store
