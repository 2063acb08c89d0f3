// Catalogue::Impl: the state behind a Catalogue and the invariants that tie it together.
//
// - SQLite (`db`, `rows`) is the truth; `graph` and `hit_rows` are derived from it and
//   hold exactly the changes up to `applied_seq`.
// - The graph only ever changes by replaying the change log (sync_graph), for our own
//   writes and other processes' alike, so there is one path to get right. The log keeps
//   the changes after the snapshot before the newest (checkpoint trims it); a graph older
//   than that is loaded again from the newest snapshot, or from the captions.
// - Locks (checked by clang's -Wthread-safety, threads/mutex.hpp): `write_mutex` serialises
//   writers and guards `db`/`rows`; `graph_mutex` guards `graph`, `hit_rows` and the seqs
//   (shared for search, unique to change them). A writer commits while holding graph_mutex
//   uniquely, so a search never sees rows and graph disagree. Readers use their own
//   connections from `readers`.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "index/graph.hpp"
#include "picdex/catalogue.hpp"
#include "picdex/embedder.hpp"
#include "store/beacon.hpp"
#include "store/database.hpp"
#include "store/rows.hpp"
#include "store/where.hpp"
#include "threads/mutex.hpp"

namespace picdex {

// A read connection with its own statement cache.
struct Reader {
  std::unique_ptr<SQLite::Database> db;
  store::Rows rows;
  explicit Reader(std::unique_ptr<SQLite::Database> d) : db(std::move(d)), rows(*db) {}
};

// An image found by a search, with its best-scoring caption.
struct BestCaption {
  std::int64_t image;
  index::Neighbor caption;
};

// Filtered searches scan the matching captions exactly below this fraction of images.
inline constexpr double kScanBelowFraction = 0.05;
// Hybrid search fuses the best this many images by vector and by keyword.
inline constexpr std::size_t kFusionDepth = 100;

class Catalogue::Impl {
 public:
  Impl(std::filesystem::path path, OpenOptions options, store::OpenMode mode);

  // --- open.cpp
  void load_graph() PICDEX_REQUIRES(write_mutex) PICDEX_EXCLUDES(graph_mutex);
  // Makes the snapshot the manifest names the graph, at its seq, if it checks out; else
  // leaves the graph as it was (warning when the snapshot is damaged). Caller holds
  // graph_mutex uniquely, or is opening.
  enum class Loaded { snapshot, nothing, damaged };
  Loaded map_snapshot(store::Rows& rows) PICDEX_REQUIRES(graph_mutex);
  void remove_leftovers() PICDEX_REQUIRES(write_mutex);
  void warn(const std::string& message) const;
  // Borrows a reader connection for the duration of `f(rows)`.
  template <typename F>
  auto with_reader(F&& f) const;

  // --- write.cpp
  PutResult put(std::span<const Image> images) PICDEX_EXCLUDES(write_mutex, graph_mutex);
  bool remove(std::string_view uri) PICDEX_EXCLUDES(write_mutex, graph_mutex);
  // Commits a write transaction and applies it to the graph. Caller holds write_mutex.
  void commit(SQLite::Transaction& tx) PICDEX_REQUIRES(write_mutex) PICDEX_EXCLUDES(graph_mutex);
  // Commits, with the beacon odd meanwhile so other processes look; the failpoints are
  // named before and after the commit. Caller holds write_mutex and graph_mutex.
  void commit_signalled(SQLite::Transaction& tx, const char* before, const char* after)
      PICDEX_REQUIRES(write_mutex, graph_mutex);
  // Replays changes after applied_seq into the graph; where the log has been trimmed past
  // applied_seq, starts again from the newest snapshot or from every caption. Caller holds
  // graph_mutex uniquely.
  void sync_graph(store::Rows& rows) PICDEX_REQUIRES(graph_mutex);
  // The graph and hit rows of every caption, read in one transaction, at that read's seq.
  struct Filled {
    std::unique_ptr<index::Graph> graph;
    index::HitRows hit_rows;
    std::int64_t seq = 0;
  };
  Filled read_every_caption(store::Rows& rows) const;  // (reads no guarded member)
  // Makes `filled` the graph; the next checkpoint saves it. Caller holds graph_mutex
  // uniquely, or is opening.
  void start_from(Filled filled) PICDEX_REQUIRES(graph_mutex);
  void maybe_checkpoint(bool closing) PICDEX_REQUIRES(write_mutex) PICDEX_EXCLUDES(graph_mutex);

  // --- search.cpp
  // Replays the changes other processes committed since the graph was last synced.
  void catch_up() PICDEX_EXCLUDES(graph_mutex);
  // Catches up when other processes have written, then searches the graph and takes the
  // hits from hit_rows: one indexed SQL read per search, none for the hits.
  // `text` is the query's text, for keyword and hybrid modes (empty for a vector query).
  std::vector<Hit> search(std::span<const float> query, const SearchOptions& options,
                          std::string_view text = {}) PICDEX_EXCLUDES(graph_mutex);
  // The best caption of each of the k images nearest to `query` (fewer if the graph, or
  // `only`, has fewer), best first; with `only`, of those images alone. The result lives in
  // per-thread storage until the next call. Caller holds graph_mutex (shared).
  const std::vector<BestCaption>& nearest_images(std::span<const float> query, std::size_t k,
                                                 std::size_t ef,
                                                 const store::MatchingImages* only = nullptr) const
      PICDEX_REQUIRES_SHARED(graph_mutex);

  // --- maintain.cpp
  void checkpoint() PICDEX_REQUIRES(write_mutex) PICDEX_EXCLUDES(graph_mutex);
  void rebuild_index() PICDEX_REQUIRES(write_mutex) PICDEX_EXCLUDES(graph_mutex);
  // Compacts the graph when more than options.compact_above of it is deleted. Caller
  // holds write_mutex.
  void maybe_compact() PICDEX_REQUIRES(write_mutex) PICDEX_EXCLUDES(graph_mutex);
  CompactReport compact() PICDEX_REQUIRES(write_mutex) PICDEX_EXCLUDES(graph_mutex);
  VerifyReport verify() const PICDEX_EXCLUDES(graph_mutex);
  Stats stats() const PICDEX_EXCLUDES(graph_mutex);

  // --- reembed.cpp; caller holds write_mutex.
  ReembedReport reembed(std::string_view spec) PICDEX_REQUIRES(write_mutex)
      PICDEX_EXCLUDES(graph_mutex);

  std::filesystem::path path;
  OpenOptions options;
  bool read_only;
  mutable Mutex write_mutex;
  mutable WriterFirstMutex graph_mutex;

  std::unique_ptr<SQLite::Database> db PICDEX_GUARDED_BY(write_mutex);
  std::unique_ptr<store::Rows> rows PICDEX_GUARDED_BY(write_mutex);
  std::unique_ptr<Embedder> embedder;
  bool external_vectors = false;  // embedder "none": vectors come with the captions
  index::GraphShape shape;
  std::size_t ef_search = 64;
  unsigned threads = 1;

  std::unique_ptr<index::Graph> graph PICDEX_GUARDED_BY(graph_mutex);
  index::HitRows hit_rows PICDEX_GUARDED_BY(graph_mutex);  // what searches return, per caption
  // Other processes' commits show in `beacon`; `quiet_beacon` is the (even) value it had
  // when a search last found SQLite holding nothing newer than applied_seq.
  store::ChangeBeacon beacon;
  std::atomic<std::uint64_t> quiet_beacon{1};
  std::int64_t applied_seq PICDEX_GUARDED_BY(graph_mutex) = 0;
  std::int64_t snapshot_seq PICDEX_GUARDED_BY(graph_mutex) = 0;

  // The images the last filtered search matched, kept while nothing is committed: a
  // batch of queries with one filter reads the metadata once.
  std::shared_ptr<const store::MatchingImages> cached_matches(const std::vector<Condition>& where,
                                                              std::int64_t seq) const;
  void cache_matches(const std::vector<Condition>& where, std::int64_t seq,
                     std::shared_ptr<const store::MatchingImages> images) const;

 private:
  std::unique_ptr<Reader> take_reader() const;
  void give_back(std::unique_ptr<Reader> reader) const;
  struct Matches {
    std::vector<Condition> where;
    std::int64_t seq = -1;  // last_seq they were read at
    std::shared_ptr<const store::MatchingImages> images;
  };
  mutable std::mutex matches_mutex;
  mutable Matches matches;
  mutable std::mutex readers_mutex;
  mutable std::vector<std::unique_ptr<Reader>> readers;
};

template <typename F>
auto Catalogue::Impl::with_reader(F&& f) const {
  auto reader = take_reader();
  struct Return {
    const Impl* self;
    std::unique_ptr<Reader>& r;
    ~Return() { self->give_back(std::move(r)); }
  } give_back_on_exit{this, reader};
  return store::guarded(path.string(), [&] { return f(reader->rows); });
}

// Meta keys.
inline constexpr const char* kMetaEmbedder = "embedder";
inline constexpr const char* kMetaDim = "dim";
inline constexpr const char* kMetaM = "hnsw_m";
inline constexpr const char* kMetaEfConstruction = "hnsw_ef_construction";
inline constexpr const char* kMetaEfSearch = "hnsw_ef_search";
inline constexpr const char* kMetaMetric = "metric";

}  // namespace picdex
