// Keyword search over caption text: SQLite FTS5 (schema/002_keywords.sql) ranked by BM25.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace picdex::store {

// An FTS5 query matching captions that hold any word of `text`, each word quoted so that
// nothing in the text is query syntax. Empty when the text holds no word.
std::string any_word_query(std::string_view text);

struct KeywordCaption {
  std::int64_t caption_id = 0, image_id = 0;
  std::vector<float> vec;
};

// Up to `limit` captions holding a word of `text`, best BM25 first. Runs on the caller's
// connection (and transaction).
std::vector<KeywordCaption> keyword_captions(SQLite::Database& db, std::string_view text,
                                             std::size_t limit);

// Re-indexes every caption (after a rebuild, or to repair the index).
void rebuild_keywords(SQLite::Database& db);

}  // namespace picdex::store
