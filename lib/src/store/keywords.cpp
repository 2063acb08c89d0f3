#include "store/keywords.hpp"

#include <cctype>
#include <cstring>

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

std::vector<KeywordCaption> keyword_captions(SQLite::Database& db, std::string_view text,
                                             std::size_t limit) {
  std::vector<KeywordCaption> out;
  const auto query = any_word_query(text);
  if (query.empty() || limit == 0) return out;
  SQLite::Statement select(db,
                           "SELECT c.id, c.image_id, c.vec FROM captions_fts AS f "
                           "JOIN captions AS c ON c.id = f.rowid "
                           "WHERE captions_fts MATCH ? ORDER BY f.rank LIMIT ?");
  select.bind(1, query);
  select.bind(2, static_cast<std::int64_t>(limit));
  while (select.executeStep()) {
    const auto blob = select.getColumn(2);
    std::vector<float> vec(static_cast<std::size_t>(blob.getBytes()) / sizeof(float));
    std::memcpy(vec.data(), blob.getBlob(), vec.size() * sizeof(float));
    out.push_back({select.getColumn(0).getInt64(), select.getColumn(1).getInt64(), std::move(vec)});
  }
  return out;
}

void rebuild_keywords(SQLite::Database& db) {
  db.exec("INSERT INTO captions_fts(captions_fts) VALUES ('rebuild')");
}

}  // namespace picdex::store
