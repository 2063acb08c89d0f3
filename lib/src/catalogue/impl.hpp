// Catalogue::Impl: a catalogue's SQLite file (the truth), its embedder, and the replica
// derived from them.
//
// A write is: validate (clean), embed, one SQLite transaction, replica.commit (which
// replays it into the graph), then upkeep (compact, snapshot) when due. Everything that
// must stay in step with SQLite (the graph, the hit table, their seqs and snapshot files,
// the change beacon) belongs to replica/replica.hpp, which states those invariants.
//
// Locks (checked by clang's -Wthread-safety, threads/mutex.hpp): `write_mutex_` serialises
// this object's writers and guards the writer's connection; WriterLock takes it and
// refuses a read-only catalogue. Searches read through the reader pool.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "picdex/catalogue.hpp"
#include "picdex/embedder.hpp"
#include "replica/replica.hpp"
#include "store/database.hpp"
#include "store/matching_images.hpp"
#include "store/reader_pool.hpp"
#include "store/tables.hpp"
#include "threads/mutex.hpp"

namespace picdex {

// Hybrid search fuses the best this many images by vector and by keyword.
inline constexpr std::size_t kFusionDepth = 100;

class Catalogue::Impl {
 public:
  // --- open.cpp
  static std::unique_ptr<Impl> open(const std::filesystem::path& path, OpenOptions options);
  // Saves a snapshot if enough changes are pending (read-write only).
  void close() PICDEX_EXCLUDES(write_mutex_);
  // The catalogue's embedder, made on first use: a model takes tens of milliseconds to
  // load, which commands that never embed (stats, get, export, remove) need not pay.
  // Throws FormatError if this build cannot make the embedder the catalogue names.
  const Embedder& embedder() const;
  const std::string& embedder_spec() const { return embedder_spec_; }
  std::size_t dim() const { return dim_; }
  const Limits& limits() const { return options_.limits; }
  void warn(const std::string& message) const;
  // Reads on a lent read connection.
  template <typename F>
  auto with_reader(F&& f) const {
    return readers_.with(std::forward<F>(f));
  }
  Image get(std::string_view uri) const { return get(uri, external_vectors_); }
  Image get(std::string_view uri, bool with_vectors) const;

  // --- write.cpp
  PutResult put(std::span<const Image> images, const std::function<void()>& stored = {})
      PICDEX_EXCLUDES(write_mutex_);
  bool remove(std::string_view uri) PICDEX_EXCLUDES(write_mutex_);

  // --- search.cpp
  // `text` is the query's text, for keyword and hybrid modes (empty for a vector query);
  // `shown` maps inner products to the scores hits show and min_score filters.
  std::vector<Hit> search(std::span<const float> query, const SearchOptions& options,
                          std::string_view text = {}, ScoreMap shown = {});
  std::string why_no_image_matches(const std::vector<Condition>& where) const;

  // --- maintain.cpp
  void checkpoint() PICDEX_EXCLUDES(write_mutex_);
  void rebuild_index(std::optional<GraphPrecision> precision) PICDEX_EXCLUDES(write_mutex_);
  CompactReport compact() PICDEX_EXCLUDES(write_mutex_);
  VerifyReport verify();
  Stats stats() const;

  // --- reembed.cpp
  ReembedReport reembed(std::string_view spec) PICDEX_EXCLUDES(write_mutex_);

 private:
  Impl(std::filesystem::path path, OpenOptions options, store::OpenMode mode);

  // Throws IoError if the catalogue is open read-only.
  void refuse_if_read_only() const;
  // Holds write_mutex_ for its life; refuses a read-only catalogue first.
  class PICDEX_SCOPED_CAPABILITY WriterLock {
   public:
    explicit WriterLock(const Impl& impl) PICDEX_ACQUIRE(impl.write_mutex_);
    ~WriterLock() PICDEX_RELEASE();
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;
    // Lets another writer in for a while (see commit()), and takes it back.
    void unlock() PICDEX_RELEASE();
    void relock() PICDEX_ACQUIRE();

   private:
    Mutex& mutex_;
    bool held_ = true;
  };

  // The replica, opened (its graph mapped, the log replayed) on first use: commands that
  // only read rows (get, export) never pay for the graph. replica() takes write_mutex_
  // only while the replica is not yet open, so a writer (who holds it) opens it first,
  // through replica_held(), before anything it calls uses replica().
  replica::Replica& replica() const PICDEX_EXCLUDES(write_mutex_);
  replica::Replica& replica_held() const PICDEX_REQUIRES(write_mutex_);

  // Commits `tx` (replica.commit), then compacts and saves a snapshot when due. With
  // `stored`, `lock` (which holds write_mutex_) is let go while the graph takes the
  // changes, `stored` being called first: the next writer stores its rows meanwhile.
  void commit(SQLite::Transaction& tx) PICDEX_REQUIRES(write_mutex_);
  void commit(SQLite::Transaction& tx, WriterLock& lock, const std::function<void()>& stored)
      PICDEX_REQUIRES(write_mutex_);
  void upkeep(const replica::Replica::Upkeep& due) PICDEX_REQUIRES(write_mutex_);

  // The images the last filtered search matched, kept while nothing is committed: a
  // batch of queries with one filter reads the metadata once.
  std::shared_ptr<const store::MatchingImages> cached_matches(const std::vector<Condition>& where,
                                                              std::int64_t seq) const;
  void cache_matches(const std::vector<Condition>& where, std::int64_t seq,
                     std::shared_ptr<const store::MatchingImages> images) const;
  // The images `where` matches at `seq` (read in the caller's transaction at that seq):
  // the cached ones, or read now and cached.
  std::shared_ptr<const store::MatchingImages> matches_at(store::Tables& tables,
                                                          const std::vector<Condition>& where,
                                                          std::int64_t seq) const;

  std::filesystem::path path_;
  OpenOptions options_;
  bool read_only_;
  mutable Mutex write_mutex_;
  std::unique_ptr<SQLite::Database> db_ PICDEX_GUARDED_BY(write_mutex_);
  std::unique_ptr<store::Tables> tables_ PICDEX_GUARDED_BY(write_mutex_);
  store::ReaderPool readers_;
  std::string embedder_spec_;  // as meta names it
  std::size_t dim_ = 0;        // of the vectors, as meta says
  mutable std::once_flag embedder_made_;
  mutable std::unique_ptr<Embedder> embedder_;  // see embedder()
  bool external_vectors_ = false;               // embedder "none": vectors come with the captions
  std::size_t ef_search_ = 64;
  unsigned threads_ = 1;
  std::unique_ptr<replica::Replica> replica_;  // made at open; opened by replica()
  mutable std::atomic<bool> replica_open_{false};

  struct Matches {
    std::vector<Condition> where;
    std::int64_t seq = -1;  // last_seq they were read at
    std::shared_ptr<const store::MatchingImages> images;
  };
  mutable std::mutex matches_mutex_;
  mutable Matches matches_;
};

}  // namespace picdex
