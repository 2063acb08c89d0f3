// Replica: everything a catalogue derives from its SQLite file, and the one owner of the
// invariant that ties them together.
//
// - It holds the HNSW graph and the hit table (what searches return, per caption), which
//   hold exactly the changes up to `applied_seq_`, and the snapshot files that save them.
// - They change only by replaying SQLite's change log (apply), for this process's writes
//   and other processes' alike: one path to get right. The log keeps the changes after
//   the snapshot before the newest (save trims it); a replica older than that loads the
//   newest snapshot again, or reads every caption.
// - A writer commits through commit(), which commits and then replays under the graph
//   lock; a search that reads SQLite in between finds it ahead of the graph and replays
//   first, so none answers from a graph behind the rows it read. The change beacon tells
//   other processes to look.
// - Searches run in fresh(): with the graph no older than what SQLite held when it was
//   called (after a few tries under a stream of writes, the newest state caught up to).
//
// Locks (checked by clang's -Wthread-safety): graph_mutex_ guards the graph, the hit table
// and applied_seq_; shared for searches, unique to change them. snapshot_mutex_ (taken
// after it, never before) guards what the recorded snapshot holds. Functions that take the
// writer's `store::Tables` need the catalogue's write lock held by their caller: they
// write SQLite (the manifest, the trimmed log) or read it to change the graph.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "index/graph.hpp"
#include "index/hit_table.hpp"
#include "index/snapshot.hpp"
#include "picdex/catalogue.hpp"
#include "store/beacon.hpp"
#include "store/matching_images.hpp"
#include "store/reader_pool.hpp"
#include "store/tables.hpp"
#include "threads/mutex.hpp"

namespace picdex::replica {

// An image found by a search, with its best-scoring caption.
struct BestCaption {
  std::int64_t image;
  index::Neighbor caption;
};

// Filtered searches scan the matching captions exactly below this fraction of images.
inline constexpr double kScanBelowFraction = 0.05;

struct Settings {
  std::filesystem::path catalogue;
  index::GraphShape shape;
  std::string embedder;  // the spec the catalogue's vectors were made with
  bool read_only = false;
  unsigned threads = 1;
  std::size_t ef_search = 64;           // the catalogue's default, for check()'s recall
  std::size_t checkpoint_after = 1000;  // OpenOptions::checkpoint_after
  Observer observer;                    // warnings; progress of full reads
};

class Replica {
 public:
  // Holds no graph until open(). `readers` lends the connections searches read with.
  Replica(Settings settings, const store::ReaderPool& readers);

  // Loads the snapshot the manifest names, if it checks out (else warns and reads every
  // caption), then replays the later changes. Opened for writing, it checks the whole
  // snapshot now, saves a new one if it was damaged, and removes leftover snapshot files.
  void open(store::Tables& writer) PICDEX_EXCLUDES(graph_mutex_);

  // What is due once a commit is in the graph: a snapshot (save_if_due), a compaction
  // (more than commit()'s `compact_above` of the graph's elements deleted, in a graph
  // large enough for that to matter).
  struct Upkeep {
    bool save = false, compact = false;
  };
  // Commits `tx`, a write transaction on `writer`'s connection, with the beacon signalling
  // it (failpoints commit.before and commit.after around the commit), and replays it.
  // `stored`, if given, is called once SQLite has the transaction and the replay has read
  // its changes, before the graph takes them: from then on the replica does not use
  // `writer`, so the caller may let another writer use the connection (which commits
  // meanwhile, and whose replay waits for this one; searches wait for it too). Returns the
  // upkeep due then. Throws EmbedderMismatchError if another process re-embedded the
  // catalogue.
  Upkeep commit(SQLite::Transaction& tx, store::Tables& writer,
                const std::function<void()>& stored = {}, double compact_above = 0)
      PICDEX_EXCLUDES(graph_mutex_);
  // Commits `tx`, which gave the catalogue new vectors of `embedder` with `dim`
  // dimensions; the manifest's snapshot is dropped with it. Then the replica is empty at
  // seq 0 (a search meanwhile replays the whole log: slow, not wrong) until rebuild().
  void commit_reembedded(SQLite::Transaction& tx, store::Tables& writer, std::string embedder,
                         std::size_t dim) PICDEX_EXCLUDES(graph_mutex_);

  // What a search reads from SQLite besides the graph, in one read of a lent connection:
  // returns the seq it read at (tables.last_seq() within its transaction).
  using Read = std::function<std::int64_t(store::Tables&)>;
  class View;
  // Calls `answer` with a view of the graph holding every change committed before this
  // call (no read of SQLite when the beacon shows nothing was), or, with `read`, at the
  // seq `read` saw; under a stream of writes, after a few tries, the newest caught up to.
  // `read` may run more than once.
  void fresh(const Read& read, const std::function<void(const View&)>& answer)
      PICDEX_EXCLUDES(graph_mutex_);

  // Snapshots: save() writes one and records it in the manifest (unless another process
  // recorded a newer one) and trims the log; save_if_due() does when enough changes are
  // unsaved: a quarter of the graph between writes (so a long import writes O(log n)),
  // 1% on closing (at least 64), never fewer than checkpoint_after.
  void save(store::Tables& writer) PICDEX_EXCLUDES(graph_mutex_);
  void save_if_due(store::Tables& writer, bool closing) PICDEX_EXCLUDES(graph_mutex_);
  // save_if_due in two halves, for a writer that lets another use `writer` meanwhile:
  // write_if_due writes the file under the graph's shared lock alone (nullopt when no save
  // is due, or while another written file awaits its record), and record names it in the
  // manifest, unless the graph was replaced since (a rebuild, a reload) or a newer
  // snapshot is named already.
  class SaveTicket;  // one written file at a time awaits its record
  struct Written;
  std::optional<Written> write_if_due(bool closing) PICDEX_EXCLUDES(graph_mutex_);
  void record(store::Tables& writer, Written written) PICDEX_EXCLUDES(graph_mutex_);
  bool saved() const PICDEX_EXCLUDES(graph_mutex_);  // a snapshot holds every change applied
  // Builds the graph again from every caption (progress to the observer), in `precision`
  // if given, then saves it.
  void rebuild(store::Tables& writer, std::optional<GraphPrecision> precision = std::nullopt)
      PICDEX_EXCLUDES(graph_mutex_);

  // Catches up, then appends to `report` what disagrees with SQLite: the graph's labels
  // and the hit table against the captions, the stored vectors against the graph's shape
  // (dimensions, unit length), the snapshot file against the manifest, and the graph's
  // sampled recall@10 against an exact scan.
  void check(VerifyReport& report) PICDEX_EXCLUDES(graph_mutex_);
  std::size_t deleted() const PICDEX_EXCLUDES(graph_mutex_);
  // What deleted() will say once opened, read from the header of the snapshot `manifest`
  // names, if that snapshot holds every change (`last_seq`, read with the manifest) and
  // its header is sound; else nullopt. Loads nothing: for stats before any search.
  std::optional<std::size_t> deleted_before_open(const store::Manifest& manifest,
                                                 std::int64_t last_seq) const
      PICDEX_EXCLUDES(graph_mutex_);
  index::GraphShape shape() const PICDEX_EXCLUDES(graph_mutex_);

 private:
  enum class Loaded { snapshot, nothing, damaged };
  // The graph and hit table of every caption, read in one transaction, at that read's seq.
  struct Filled {
    std::unique_ptr<index::Graph> graph;
    index::HitTable hits;
    std::int64_t seq = 0;
  };
  Loaded map_snapshot(store::Tables& tables) PICDEX_REQUIRES(graph_mutex_);
  // Replays the log's changes since applied_seq_: reads them (or, when the log no longer
  // reaches back that far, reloads), then puts them in the graph and hit table.
  void apply(store::Tables& tables) PICDEX_REQUIRES(graph_mutex_) { take(read_changes(tables)); }
  std::vector<store::ChangedCaption> read_changes(store::Tables& tables)
      PICDEX_REQUIRES(graph_mutex_);
  void take(const std::vector<store::ChangedCaption>& changes) PICDEX_REQUIRES(graph_mutex_);
  bool save_due(bool closing) const PICDEX_REQUIRES_SHARED(graph_mutex_);
  Written write(SaveTicket ticket) PICDEX_EXCLUDES(graph_mutex_);
  // Puts in a new graph (as of `snapshot_seq` if a recorded snapshot holds it, else 0).
  void replace_graph(std::unique_ptr<index::Graph> graph, std::int64_t snapshot_seq)
      PICDEX_REQUIRES(graph_mutex_) {
    graph_ = std::move(graph);
    Lock snapshot_lock(snapshot_mutex_);
    snapshot_seq_ = snapshot_seq;
    ++graph_generation_;
  }
  bool compacting_due(double above) const PICDEX_REQUIRES_SHARED(graph_mutex_);
  // Another process may have re-embedded the catalogue (Catalogue::reembed): then this
  // one's embedder and graph no longer fit its vectors. Throws EmbedderMismatchError.
  void refuse_if_reembedded(store::Tables& tables) const PICDEX_REQUIRES(graph_mutex_);
  Filled read_every_caption(store::Tables& tables) const PICDEX_REQUIRES(graph_mutex_) {
    return read_every_caption(tables, settings_.shape);
  }
  Filled read_every_caption(store::Tables& tables, const index::GraphShape& shape) const;
  void start_from(Filled filled) PICDEX_REQUIRES(graph_mutex_);
  void catch_up() PICDEX_EXCLUDES(graph_mutex_);
  void remove_leftovers(store::Tables& writer);
  void commit_signalled(SQLite::Transaction& tx, const char* before, const char* after);
  void warn(const std::string& message) const;
  std::string where() const { return settings_.catalogue.string(); }

  // The best caption of each of the k images nearest to `query`, best first (of `only`'s
  // images alone, when given). Lives in per-thread storage until the next call.
  const std::vector<BestCaption>& nearest_images(std::span<const float> query, std::size_t k,
                                                 std::size_t ef,
                                                 const store::MatchingImages* only) const
      PICDEX_REQUIRES_SHARED(graph_mutex_);
  // For a graph of approximate scores (int8): the best of `captions` (nearest first; of
  // `only`'s images alone, when given), those of k images and any within the scores' error
  // margin of the k-th, up to 2k images, scored again with their stored vectors and sorted
  // by that score. The rest are dropped, as are captions no longer stored.
  void rescore(std::span<const float> query, std::size_t k, const store::MatchingImages* only,
               std::vector<index::Neighbor>& captions) const PICDEX_REQUIRES_SHARED(graph_mutex_);
  std::vector<float> stored_scores(std::span<const float> query,
                                   std::span<const std::int64_t> captions) const;

  Settings settings_;
  const store::ReaderPool& readers_;
  // Re-scoring (rescore()) reads vector rows at random: its connections keep a page cache
  // of kRescoreCacheKib, filled only as rows are read, so that a catalogue of up to about
  // 30,000 512-d vectors (a 64 MiB file) is read from memory after the first searches;
  // SQLite's default 2 MiB would read nearly every row from the file.
  static constexpr int kRescoreCacheKib = 64 * 1024;
  store::ReaderPool vector_readers_{settings_.catalogue, {.cache_kib = kRescoreCacheKib}};
  mutable WriterFirstMutex graph_mutex_;
  std::unique_ptr<index::Graph> graph_ PICDEX_GUARDED_BY(graph_mutex_);
  index::HitTable hits_ PICDEX_GUARDED_BY(graph_mutex_);
  std::int64_t applied_seq_ PICDEX_GUARDED_BY(graph_mutex_) = 0;
  // What the manifest's snapshot holds of this graph, which replace_graph() counts: apart
  // from the graph's lock, so that recording a snapshot does not wait for a replay.
  mutable Mutex snapshot_mutex_;  // taken after graph_mutex_, never before
  std::int64_t snapshot_seq_ PICDEX_GUARDED_BY(snapshot_mutex_) = 0;
  std::uint64_t graph_generation_ PICDEX_GUARDED_BY(snapshot_mutex_) = 0;
  std::atomic<bool> writing_{false};  // a written snapshot awaits its record (SaveTicket)
  // Other processes' commits show in `beacon_`; `quiet_beacon_` is the (even) value it had
  // when a search last found SQLite holding nothing newer than applied_seq_.
  store::ChangeBeacon beacon_;
  std::atomic<std::uint64_t> quiet_beacon_{1};

  friend class View;
};

// Holds Replica::writing_ (if given one) until destroyed.
class Replica::SaveTicket {
 public:
  SaveTicket() = default;
  explicit SaveTicket(std::atomic<bool>* writing) : writing_(writing) {}
  SaveTicket(SaveTicket&& other) noexcept : writing_(std::exchange(other.writing_, nullptr)) {}
  SaveTicket& operator=(SaveTicket&&) = delete;
  ~SaveTicket() {
    if (writing_) *writing_ = false;
  }

 private:
  std::atomic<bool>* writing_ = nullptr;
};

// A snapshot file written at `seq` from the graph of that generation, not yet recorded.
struct Replica::Written {
  index::SnapshotFile file;
  std::int64_t seq = 0;
  std::uint64_t generation = 0;
  SaveTicket ticket;
};

// The graph and hit table at one seq, for one search; it exists only inside fresh(),
// while the graph lock is held shared.
class Replica::View {
 public:
  const std::vector<BestCaption>& nearest_images(std::span<const float> query, std::size_t k,
                                                 std::size_t ef,
                                                 const store::MatchingImages* only) const;
  std::optional<index::HitTable::Entry> hit(std::int64_t caption) const;
  // The image of a caption the graph holds; 0 for any other id.
  std::int64_t image_of(std::int64_t caption) const;
  // The exact cosine of `query` with each caption's stored vector (NaN where none is
  // stored now), read from SQLite.
  std::vector<float> stored_scores(std::span<const float> query,
                                   std::span<const std::int64_t> captions) const;

 private:
  explicit View(const Replica& replica) : replica_(replica) {}
  const Replica& replica_;
  friend class Replica;
};

}  // namespace picdex::replica
