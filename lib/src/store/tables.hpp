// A catalogue's tables, read and written through prepared statements. One Tables object
// per SQLite connection; not
// thread-safe (callers serialise). Every mutation runs inside the caller's transaction,
// and every caption put or delete is logged in `changes` in that same transaction.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace picdex::store {

struct CaptionRow {
  std::int64_t id = 0;
  std::string text;
  std::vector<float> vec;  // only when asked for
};

// The caption row that holds an image's pixels (text empty), and the file they came from.
struct PictureRow {
  std::int64_t caption_id = 0;
  std::string file, checksum;
  std::vector<float> vec;  // only when asked for
};

struct ImageRow {
  std::int64_t id = 0;
  std::string uri;
  std::string metadata;
  std::vector<CaptionRow> captions;  // in order, without the picture's row
  std::optional<PictureRow> picture;
};

struct Manifest {
  std::string file;
  std::int64_t seq = 0;
  std::int64_t bytes = 0;
  std::string checksum;
  std::int64_t elements = 0;
};

// A change since some seq: the caption's vector and row if it still exists, else nullopt.
struct ChangedCaption {
  std::int64_t seq = 0;  // the caption's newest change
  std::int64_t caption_id = 0;
  std::int64_t image_id = 0;
  std::optional<std::vector<float>> vec;
  std::string text, uri, metadata;  // when vec is set
};

// Meta keys: what a catalogue was created with.
inline constexpr const char* kMetaEmbedder = "embedder";
inline constexpr const char* kMetaDim = "dim";
inline constexpr const char* kMetaM = "hnsw_m";
inline constexpr const char* kMetaEfConstruction = "hnsw_ef_construction";
inline constexpr const char* kMetaEfSearch = "hnsw_ef_search";
inline constexpr const char* kMetaMetric = "metric";
inline constexpr const char* kMetaGraphPrecision = "graph_precision";  // absent: float32

class Tables {
 public:
  explicit Tables(SQLite::Database& db) : db_(db) {}
  SQLite::Database& database() { return db_; }

  std::optional<std::string> meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);

  std::optional<ImageRow> find_image(std::string_view uri, bool with_vectors = false);
  std::int64_t insert_image(std::string_view uri, const std::string& metadata);
  // Logs a change for each of the image's captions, so readers refresh their hit entries.
  void update_metadata(std::int64_t image_id, const std::string& metadata);
  void delete_image(const ImageRow& image);  // logs a delete for each caption and picture

  std::int64_t insert_caption(std::int64_t image_id, int pos, std::string_view text,
                              std::span<const float> vec);
  // An image's picture: a caption row without text (pos -1) and its pictures row.
  std::int64_t insert_picture(std::int64_t image_id, const std::string& file,
                              const std::string& checksum, std::span<const float> vec);
  void move_caption(std::int64_t caption_id, int pos);
  // Adds the captions with ids from `first` on to the keyword index: a writer calls it
  // once, before committing, for the captions its transaction inserted.
  void index_keywords_from(std::int64_t first);
  void delete_caption(std::int64_t caption_id);
  // Re-embedding (the only change to a caption row in place): its new vector, logged.
  void set_caption_vector(std::int64_t caption_id, std::span<const float> vec);
  // Calls f(i, vector) for each ids[i] still stored (a caption's or a picture's), in
  // order, reading the vectors as blobs (no SQL statement per row). The view is valid
  // during the call only. Run it inside a transaction, so that all are read at one seq.
  void for_each_caption_vector(std::span<const std::int64_t> ids,
                               const std::function<void(std::size_t, std::span<const float>)>& f);
  // Every caption's id and text, in id order (no pictures).
  std::vector<std::pair<std::int64_t, std::string>> caption_texts();

  std::int64_t last_seq();
  // The changes up to this seq have been deleted from the log (a snapshot holds them);
  // 0 when none have, as in every catalogue before format 4.
  std::int64_t log_trimmed_through();
  // Deletes the changes up to `seq` and records it. Only for a seq that a recorded
  // snapshot holds: a process behind it must be able to reload that snapshot.
  void trim_log(std::int64_t seq);
  std::int64_t count_changes();
  int format_version();  // PRAGMA user_version
  std::int64_t count_images();
  std::int64_t count_captions();  // pictures not counted
  std::int64_t count_pictures();
  std::int64_t count_vectors();  // captions and pictures: the graph's live elements
  // Captions touched by changes after `seq`, each once, with their current state, in
  // order of their newest change.
  std::vector<ChangedCaption> changes_since(std::int64_t seq);
  // Every vector (captions and pictures, whose text is empty), in id order, with its
  // text and its image's URI and metadata. The views are valid during the call only.
  struct VectorRecord {
    std::int64_t id = 0, image_id = 0;
    std::span<const float> vec;
    std::string_view text, uri, metadata;
  };
  void for_each_vector(const std::function<void(const VectorRecord&)>& f);
  // Every image with its captions in order (and their vectors, when asked), images in
  // the order they were added.
  void for_each_image(const std::function<void(ImageRow&)>& f, bool with_vectors = false);

  std::optional<Manifest> manifest();
  void set_manifest(const Manifest& m);
  // No snapshot: the next open rebuilds the graph from the change log.
  void clear_manifest();

 private:
  void log_change(std::int64_t caption_id, const char* op);
  SQLite::Statement& prepared(const char* sql);
  std::int64_t scalar(const char* sql);  // the one integer a literal query returns

  SQLite::Database& db_;
  std::vector<std::pair<const char*, std::unique_ptr<SQLite::Statement>>> cache_;
};

// Vectors are stored as float32 little-endian blobs (this build targets little-endian).
std::vector<float> vector_from_blob(const void* data, int bytes);

}  // namespace picdex::store
