// Keyword search over caption text: SQLite FTS5 (schema/002_keywords.sql) ranked by BM25.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace picdex::store {

// An FTS5 query matching captions that hold any word of `text` that is not a stop word
// ("the", "in": embed::is_stop_word), each word quoted so that nothing in the text is query
// syntax. Empty when the text holds no other word: stop words alone match nothing.
std::string any_word_query(std::string_view text);

// The ids of up to `limit` captions holding a word of `text` (as any_word_query), best
// BM25 first: FTS5's ranking alone, no caption row read. Runs on the caller's connection
// (and transaction).
std::vector<std::int64_t> ranked_caption_ids(SQLite::Database& db, std::string_view text,
                                             std::size_t limit);

// Calls f(caption_id, image_id, vector_blob, bm25) for up to `limit` captions holding a word
// of `text` (as any_word_query), best BM25 first (bm25 > 0; higher is better), until f
// returns false; returns how many of FTS5's best it went
// through. The blob (the caption's stored floats, possibly unaligned) is valid during the
// call only. Runs on the caller's connection (and transaction).
std::size_t keyword_captions(
    SQLite::Database& db, std::string_view text, std::size_t limit,
    const std::function<bool(std::int64_t, std::int64_t, std::span<const std::byte>, double)>& f);

// Re-indexes every caption (after a rebuild, or to repair the index).
void rebuild_keywords(SQLite::Database& db);

}  // namespace picdex::store
