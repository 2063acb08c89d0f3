#include "store/keywords.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "embed/text.hpp"
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
    if (embed::is_stop_word(folded) || std::find(seen.begin(), seen.end(), folded) != seen.end())
      continue;
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
    const std::function<bool(std::int64_t, std::int64_t, std::span<const std::byte>, double)>& f) {
  const auto query = any_word_query(text);
  if (query.empty() || limit == 0) return 0;
  // FTS5 ranks and cuts first; then each caption is read as it is wanted, in rank order,
  // so that stopping early saves the reads.
  SQLite::Statement top(db,
                        "SELECT rowid, rank FROM captions_fts WHERE captions_fts MATCH ? "
                        "ORDER BY rank LIMIT ?");
  top.bind(1, query);
  top.bind(2, static_cast<std::int64_t>(limit));
  SQLite::Statement caption(db, "SELECT image_id, vec FROM captions WHERE id = ?");
  std::size_t rows = 0;
  while (top.executeStep()) {
    const auto id = top.getColumn(0).getInt64();
    ++rows;
    caption.reset();
    caption.bind(1, id);
    if (!caption.executeStep()) continue;  // (the index and the table change together)
    const auto blob = caption.getColumn(1);
    const auto* bytes = static_cast<const std::byte*>(blob.getBlob());
    if (!f(id, caption.getColumn(0).getInt64(), {bytes, static_cast<std::size_t>(blob.getBytes())},
           -top.getColumn(1).getDouble()))  // FTS5's rank is minus BM25
      break;
  }
  return rows;
}

std::vector<std::int64_t> ranked_caption_ids(SQLite::Database& db, std::string_view text,
                                             std::size_t limit) {
  std::vector<std::int64_t> out;
  const auto query = any_word_query(text);
  if (query.empty() || limit == 0) return out;
  // (Without `rank` in the result: asked for, FTS5 works out each row's BM25 once more.)
  SQLite::Statement top(db,
                        "SELECT rowid FROM captions_fts WHERE captions_fts MATCH ? "
                        "ORDER BY rank LIMIT ?");
  top.bind(1, query);
  top.bind(2, static_cast<std::int64_t>(limit));
  while (top.executeStep()) out.push_back(top.getColumn(0).getInt64());
  return out;
}

void rebuild_keywords(SQLite::Database& db) {
  db.exec("INSERT INTO captions_fts(captions_fts) VALUES ('rebuild')");
}

}  // namespace picdex::store
