#include "store/keywords.hpp"

#include <cctype>

namespace picdex::store {

std::string any_word_query(std::string_view text) {
  // Words as FTS5's unicode61 tokenizer sees them, near enough: runs of ASCII letters and
  // digits and of non-ASCII bytes (any Unicode letter); the tokenizer splits them further.
  std::string query;
  auto word_byte = [](unsigned char c) { return std::isalnum(c) || c >= 0x80; };
  for (std::size_t i = 0; i < text.size();) {
    if (!word_byte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    const auto start = i;
    while (i < text.size() && word_byte(static_cast<unsigned char>(text[i]))) ++i;
    if (!query.empty()) query += " OR ";
    query += '"';
    query += text.substr(start, i - start);
    query += '"';
  }
  return query;
}

std::size_t keyword_captions(
    SQLite::Database& db, std::string_view text, std::size_t limit,
    const std::function<void(std::int64_t, std::int64_t, std::span<const std::byte>)>& f) {
  const auto query = any_word_query(text);
  if (query.empty() || limit == 0) return 0;
  SQLite::Statement select(db,
                           "SELECT c.id, c.image_id, c.vec FROM captions_fts AS f "
                           "JOIN captions AS c ON c.id = f.rowid "
                           "WHERE captions_fts MATCH ? ORDER BY f.rank LIMIT ?");
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
