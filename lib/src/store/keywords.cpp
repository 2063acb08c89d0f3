#include "store/keywords.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "io/ascii.hpp"

namespace picdex::store {

std::string any_word_query(std::string_view text) {
  // Words as FTS5's unicode61 tokenizer sees them, near enough: runs of ASCII letters and
  // digits and of non-ASCII bytes (any Unicode letter); the tokenizer splits them further.
  // Each word once (ASCII case folded, as the tokenizer folds it): FTS5 would evaluate
  // and weigh a repeated word again.
  std::string query;
  std::vector<std::string> seen;
  auto word_byte = [](unsigned char c) { return std::isalnum(c) || c >= 0x80; };
  for (std::size_t i = 0; i < text.size();) {
    if (!word_byte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    const auto start = i;
    while (i < text.size() && word_byte(static_cast<unsigned char>(text[i]))) ++i;
    const auto word = text.substr(start, i - start);
    auto folded = io::ascii_lower(word);
    if (std::find(seen.begin(), seen.end(), folded) != seen.end()) continue;
    seen.push_back(std::move(folded));
    if (!query.empty()) query += " OR ";
    query += '"';
    query += word;
    query += '"';
  }
  return query;
}

std::size_t keyword_captions(
    SQLite::Database& db, std::string_view text, std::size_t limit,
    const std::function<void(std::int64_t, std::int64_t, std::span<const std::byte>)>& f) {
  const auto query = any_word_query(text);
  if (query.empty() || limit == 0) return 0;
  // FTS5 ranks and cuts first (the subquery's LIMIT keeps SQLite from flattening it
  // into the join); only the rows that survive are read from `captions`.
  SQLite::Statement select(db,
                           "SELECT c.id, c.image_id, c.vec FROM "
                           "(SELECT rowid, rank FROM captions_fts "
                           " WHERE captions_fts MATCH ? ORDER BY rank LIMIT ?) AS f "
                           "JOIN captions AS c ON c.id = f.rowid ORDER BY f.rank");
  select.bind(1, query);
  select.bind(2, static_cast<std::int64_t>(limit));
  std::size_t rows = 0;
  for (; select.executeStep(); ++rows) {
    const auto blob = select.getColumn(2);
    const auto* bytes = static_cast<const std::byte*>(blob.getBlob());
    f(select.getColumn(0).getInt64(), select.getColumn(1).getInt64(),
      {bytes, static_cast<std::size_t>(blob.getBytes())});
  }
  return rows;
}

void rebuild_keywords(SQLite::Database& db) {
  db.exec("INSERT INTO captions_fts(captions_fts) VALUES ('rebuild')");
}

}  // namespace picdex::store
