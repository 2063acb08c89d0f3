#include "store/tables.hpp"

#include <sqlite3.h>

#include <bit>
#include <chrono>
#include <cstring>

namespace picdex::store {
namespace {

// Resets a cached statement on scope exit, so it never holds a read lock, and clears its
// bindings. Never throws: it runs while an error from the statement itself may be
// unwinding, and reset() would throw that error again.
struct Reset {
  SQLite::Statement& s;
  ~Reset() {
    s.tryReset();
    try {
      s.clearBindings();
    } catch (const SQLite::Exception&) {  // cannot fail on a valid statement
    }
  }
};

std::int64_t now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

static_assert(std::endian::native == std::endian::little, "vector blobs are little-endian");

std::vector<float> vector_from_blob(const void* data, int bytes) {
  std::vector<float> v(static_cast<std::size_t>(bytes) / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), data, v.size() * sizeof(float));
  return v;
}

SQLite::Statement& Tables::prepared(const char* sql) {
  for (auto& [key, stmt] : cache_)
    if (key == sql) return *stmt;
  cache_.emplace_back(sql, std::make_unique<SQLite::Statement>(db_, sql));
  return *cache_.back().second;
}

std::int64_t Tables::scalar(const char* sql) {
  auto& s = prepared(sql);
  Reset r{s};
  s.executeStep();
  return s.getColumn(0).getInt64();
}

std::optional<std::string> Tables::meta(const std::string& key) {
  auto& s = prepared("SELECT value FROM meta WHERE key = ?");
  Reset r{s};
  s.bind(1, key);
  if (!s.executeStep()) return std::nullopt;
  return s.getColumn(0).getString();
}

void Tables::set_meta(const std::string& key, const std::string& value) {
  auto& s = prepared("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)");
  Reset r{s};
  s.bind(1, key);
  s.bind(2, value);
  s.exec();
}

namespace {

// Adds the caption row in columns `at`.. of `s` (id, text, pictures.file, pictures.checksum
// and, with vectors, vec) to `image`: as its picture when it has a pictures row.
void add_caption_row(ImageRow& image, SQLite::Statement& s, int at, bool with_vectors) {
  std::vector<float> vec;
  if (with_vectors) {
    const auto blob = s.getColumn(at + 4);
    vec = vector_from_blob(blob.getBlob(), blob.getBytes());
  }
  const auto id = s.getColumn(at).getInt64();
  if (s.getColumn(at + 2).isNull())
    image.captions.push_back({id, s.getColumn(at + 1).getString(), std::move(vec)});
  else
    image.picture = PictureRow{id, s.getColumn(at + 2).getString(), s.getColumn(at + 3).getString(),
                               std::move(vec)};
}

}  // namespace

std::optional<ImageRow> Tables::find_image(std::string_view uri, bool with_vectors) {
  ImageRow image;
  {
    auto& s = prepared("SELECT id, metadata FROM images WHERE uri = ?");
    Reset r{s};
    s.bind(1, std::string(uri));
    if (!s.executeStep()) return std::nullopt;
    image.id = s.getColumn(0).getInt64();
    image.metadata = s.getColumn(1).getString();
  }
  image.uri = uri;
  auto& s = with_vectors ? prepared(
                               "SELECT c.id, c.text, p.file, p.checksum, c.vec FROM captions c "
                               "LEFT JOIN pictures p ON p.caption_id = c.id "
                               "WHERE c.image_id = ? ORDER BY c.pos")
                         : prepared(
                               "SELECT c.id, c.text, p.file, p.checksum FROM captions c "
                               "LEFT JOIN pictures p ON p.caption_id = c.id "
                               "WHERE c.image_id = ? ORDER BY c.pos");
  Reset r{s};
  s.bind(1, image.id);
  while (s.executeStep()) add_caption_row(image, s, 0, with_vectors);
  return image;
}

std::int64_t Tables::insert_image(std::string_view uri, const std::string& metadata) {
  auto& s = prepared("INSERT INTO images(uri, metadata, added_at) VALUES (?, ?, ?)");
  Reset r{s};
  s.bind(1, std::string(uri));
  s.bind(2, metadata);
  s.bind(3, now_seconds());
  s.exec();
  return db_.getLastInsertRowid();
}

void Tables::update_metadata(std::int64_t image_id, const std::string& metadata) {
  auto& s = prepared("UPDATE images SET metadata = ? WHERE id = ?");
  Reset r{s};
  s.bind(1, metadata);
  s.bind(2, image_id);
  s.exec();
  auto& log = prepared(
      "INSERT INTO changes(caption_id, op) SELECT id, 'put' FROM captions "
      "WHERE image_id = ?");
  Reset l{log};
  log.bind(1, image_id);
  log.exec();
}

void Tables::delete_image(const ImageRow& image) {
  for (const auto& c : image.captions) log_change(c.id, "del");
  if (image.picture) log_change(image.picture->caption_id, "del");
  auto& s = prepared("DELETE FROM images WHERE id = ?");  // captions cascade
  Reset r{s};
  s.bind(1, image.id);
  s.exec();
}

std::int64_t Tables::insert_caption(std::int64_t image_id, int pos, std::string_view text,
                                    std::span<const float> vec) {
  auto& s = prepared("INSERT INTO captions(image_id, pos, text, vec) VALUES (?, ?, ?, ?)");
  std::int64_t id;
  {
    Reset r{s};
    s.bind(1, image_id);
    s.bind(2, pos);
    s.bind(3, std::string(text));
    s.bindNoCopy(4, static_cast<const void*>(vec.data()),
                 static_cast<int>(vec.size() * sizeof(float)));
    s.exec();
    id = db_.getLastInsertRowid();
  }
  log_change(id, "put");
  return id;
}

std::int64_t Tables::insert_picture(std::int64_t image_id, const std::string& file,
                                    const std::string& checksum, std::span<const float> vec) {
  const auto id = insert_caption(image_id, -1, "", vec);
  auto& s = prepared("INSERT INTO pictures(caption_id, file, checksum) VALUES (?, ?, ?)");
  Reset r{s};
  s.bind(1, id);
  s.bind(2, file);
  s.bind(3, checksum);
  s.exec();
  return id;
}

void Tables::index_keywords_from(std::int64_t first) {
  auto& s =
      prepared("INSERT INTO captions_fts(rowid, text) SELECT id, text FROM captions WHERE id >= ?");
  Reset r{s};
  s.bind(1, first);
  s.exec();
}

void Tables::move_caption(std::int64_t caption_id, int pos) {
  auto& s = prepared("UPDATE captions SET pos = ? WHERE id = ?");
  Reset r{s};
  s.bind(1, pos);
  s.bind(2, caption_id);
  s.exec();
}

void Tables::delete_caption(std::int64_t caption_id) {
  {
    auto& s = prepared("DELETE FROM captions WHERE id = ?");
    Reset r{s};
    s.bind(1, caption_id);
    s.exec();
  }
  log_change(caption_id, "del");
}

void Tables::set_caption_vector(std::int64_t caption_id, std::span<const float> vec) {
  auto& s = prepared("UPDATE captions SET vec = ? WHERE id = ?");
  {
    Reset r{s};
    s.bind(1, vec.data(), static_cast<int>(vec.size_bytes()));
    s.bind(2, caption_id);
    s.exec();
  }
  log_change(caption_id, "put");
}

void Tables::for_each_caption_vector(
    std::span<const std::int64_t> ids,
    const std::function<void(std::size_t, std::span<const float>)>& f) {
  // Outside a transaction, one of its own: every row read at one seq, one lock taken.
  const bool own_transaction = sqlite3_get_autocommit(db_.getHandle()) != 0;
  if (own_transaction) {
    auto& begin = prepared("BEGIN");
    begin.reset();
    begin.exec();
  }
  sqlite3_blob* blob = nullptr;
  struct End {
    Tables& tables;
    sqlite3_blob*& blob;
    bool own_transaction;
    ~End() {
      sqlite3_blob_close(blob);  // (a no-op for null)
      if (own_transaction) {
        auto& rollback = tables.prepared("ROLLBACK");  // (nothing was written)
        rollback.tryReset();
        rollback.tryExecuteStep();
        rollback.tryReset();
      }
    }
  } end{*this, blob, own_transaction};
  thread_local std::vector<float> vector;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    // One handle moved from row to row; a missing row aborts it, and the next opens anew.
    int rc = blob ? sqlite3_blob_reopen(blob, ids[i])
                  : sqlite3_blob_open(db_.getHandle(), "main", "captions", "vec", ids[i], 0, &blob);
    if (rc != SQLITE_OK) {
      sqlite3_blob_close(blob);
      blob = nullptr;
      // SQLITE_ERROR: no such row (deleted since). Anything else is the database's trouble.
      if (rc == SQLITE_ERROR) continue;
      throw SQLite::Exception(db_.getHandle(), rc);
    }
    vector.resize(static_cast<std::size_t>(sqlite3_blob_bytes(blob)) / sizeof(float));
    rc = sqlite3_blob_read(blob, vector.data(), static_cast<int>(vector.size() * sizeof(float)), 0);
    if (rc != SQLITE_OK) throw SQLite::Exception(db_.getHandle(), rc);
    f(i, vector);
  }
}

std::vector<std::pair<std::int64_t, std::string>> Tables::caption_texts() {
  SQLite::Statement s(db_,
                      "SELECT id, text FROM captions "
                      "WHERE id NOT IN (SELECT caption_id FROM pictures) ORDER BY id");
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (s.executeStep()) out.emplace_back(s.getColumn(0).getInt64(), s.getColumn(1).getString());
  return out;
}

void Tables::log_change(std::int64_t caption_id, const char* op) {
  auto& s = prepared("INSERT INTO changes(caption_id, op) VALUES (?, ?)");
  Reset r{s};
  s.bind(1, caption_id);
  s.bind(2, op);
  s.exec();
}

std::int64_t Tables::last_seq() {
  return scalar("SELECT coalesce(max(seq), 0) FROM changes");
}

std::int64_t Tables::log_trimmed_through() {
  auto& s = prepared("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'log_trimmed_through'");
  Reset r{s};
  return s.executeStep() ? s.getColumn(0).getInt64() : 0;
}

void Tables::trim_log(std::int64_t seq) {
  if (seq <= log_trimmed_through()) return;
  auto& s = prepared("DELETE FROM changes WHERE seq <= ?");
  Reset r{s};
  s.bind(1, seq);
  s.exec();
  set_meta("log_trimmed_through", std::to_string(seq));
}

std::int64_t Tables::count_changes() {
  return scalar("SELECT count(*) FROM changes");
}

int Tables::format_version() {
  return db_.execAndGet("PRAGMA user_version").getInt();
}

std::int64_t Tables::count_images() {
  return scalar("SELECT count(*) FROM images");
}

std::int64_t Tables::count_captions() {
  return scalar("SELECT (SELECT count(*) FROM captions) - (SELECT count(*) FROM pictures)");
}

std::int64_t Tables::count_vectors() {
  return scalar("SELECT count(*) FROM captions");
}

std::int64_t Tables::count_pictures() {
  return scalar("SELECT count(*) FROM pictures");
}

std::vector<ChangedCaption> Tables::changes_since(std::int64_t seq) {
  auto& s = prepared(
      "SELECT ch.seq, ch.caption_id, c.image_id, c.vec, c.text, i.uri, i.metadata FROM "
      "(SELECT caption_id, max(seq) AS seq FROM changes WHERE seq > ? GROUP BY caption_id) ch "
      "LEFT JOIN captions c ON c.id = ch.caption_id LEFT JOIN images i ON i.id = c.image_id "
      "ORDER BY ch.seq");
  Reset r{s};
  s.bind(1, seq);
  std::vector<ChangedCaption> out;
  while (s.executeStep()) {
    ChangedCaption change{
        s.getColumn(0).getInt64(), s.getColumn(1).getInt64(), 0, std::nullopt, {}, {}, {}};
    const auto blob = s.getColumn(3);
    if (!blob.isNull()) {
      change.image_id = s.getColumn(2).getInt64();
      change.vec = vector_from_blob(blob.getBlob(), blob.getBytes());
      change.text = s.getColumn(4).getString();
      change.uri = s.getColumn(5).getString();
      change.metadata = s.getColumn(6).getString();
    }
    out.push_back(std::move(change));
  }
  return out;
}

void Tables::for_each_vector(const std::function<void(const VectorRecord&)>& f) {
  SQLite::Statement s(db_,
                      "SELECT c.id, c.image_id, c.vec, c.text, i.uri, i.metadata FROM captions c "
                      "LEFT JOIN images i ON i.id = c.image_id ORDER BY c.id");
  auto view = [&](int column) {
    const auto c = s.getColumn(column);
    const char* text = c.getText();  // before getBytes(), as SQLite asks
    return std::string_view(text, static_cast<std::size_t>(c.getBytes()));
  };
  std::vector<float> scratch;
  VectorRecord record;
  while (s.executeStep()) {
    const auto blob = s.getColumn(2);
    scratch.resize(static_cast<std::size_t>(blob.getBytes()) / sizeof(float));
    std::memcpy(scratch.data(), blob.getBlob(), scratch.size() * sizeof(float));
    record.id = s.getColumn(0).getInt64();
    record.image_id = s.getColumn(1).getInt64();
    record.vec = scratch;
    record.text = view(3);
    record.uri = view(4);
    record.metadata = view(5);
    f(record);
  }
}

void Tables::for_each_image(const std::function<void(ImageRow&)>& f, bool with_vectors) {
  SQLite::Statement s(
      db_, with_vectors ? "SELECT i.id, i.uri, i.metadata, c.id, c.text, p.file, "
                          "p.checksum, c.vec FROM images i "
                          "JOIN captions c ON c.image_id = i.id "
                          "LEFT JOIN pictures p ON p.caption_id = c.id ORDER BY i.id, c.pos"
                        : "SELECT i.id, i.uri, i.metadata, c.id, c.text, p.file, "
                          "p.checksum FROM images i "
                          "JOIN captions c ON c.image_id = i.id "
                          "LEFT JOIN pictures p ON p.caption_id = c.id ORDER BY i.id, c.pos");
  ImageRow image;
  while (s.executeStep()) {
    const auto id = s.getColumn(0).getInt64();
    if (id != image.id) {
      if (image.id) f(image);
      image = {id, s.getColumn(1).getString(), s.getColumn(2).getString(), {}, std::nullopt};
    }
    add_caption_row(image, s, 3, with_vectors);
  }
  if (image.id) f(image);
}

std::optional<Manifest> Tables::manifest() {
  auto& s = prepared("SELECT file, seq, bytes, checksum, elements FROM snapshot WHERE id = 1");
  Reset r{s};
  if (!s.executeStep()) return std::nullopt;
  return Manifest{s.getColumn(0).getString(), s.getColumn(1).getInt64(), s.getColumn(2).getInt64(),
                  s.getColumn(3).getString(), s.getColumn(4).getInt64()};
}

void Tables::clear_manifest() {
  db_.exec("DELETE FROM snapshot");
}

void Tables::set_manifest(const Manifest& m) {
  auto& s = prepared(
      "INSERT OR REPLACE INTO snapshot(id, file, seq, bytes, checksum, elements) "
      "VALUES (1, ?, ?, ?, ?, ?)");
  Reset r{s};
  s.bind(1, m.file);
  s.bind(2, m.seq);
  s.bind(3, m.bytes);
  s.bind(4, m.checksum);
  s.bind(5, m.elements);
  s.exec();
}

}  // namespace picdex::store
