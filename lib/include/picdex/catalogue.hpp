// A catalogue: images with captions in one SQLite file, searchable by text through an
// HNSW graph kept beside it. Thread safety: search(), get() and the read-only accessors
// may run from many threads at once; writes are serialised internally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "picdex/filter.hpp"

namespace picdex {

class Embedder;

struct Image {
  Image() = default;
  Image(std::string uri_, std::vector<std::string> captions_, std::string metadata_ = "{}",
        std::vector<std::vector<float>> vectors_ = {})
      : uri(std::move(uri_)),
        captions(std::move(captions_)),
        metadata(std::move(metadata_)),
        vectors(std::move(vectors_)) {}

  std::string uri;
  std::vector<std::string> captions;  // one or more; duplicates are dropped
  std::string metadata = "{}";        // a JSON object
  // One per caption, in a catalogue created with the "none:dim=N" embedder (vectors
  // computed elsewhere; any length, stored unit length). Empty for every other catalogue,
  // which embeds its captions itself.
  std::vector<std::vector<float>> vectors;
  // A JPEG or PNG file whose pixels are embedded beside the captions, in a catalogue whose
  // embedder embeds images (CLIP). With a picture, captions may be empty. The file is read
  // when put; it is embedded again only when its content (checksum) or path changed.
  std::string picture;
};

// What a stored vector embeds: one of an image's captions, or its picture's pixels.
enum class Embedded { caption, picture };

struct Hit {
  std::string uri;
  // Cosine similarity of the best-matching caption (or picture) to the query. learned-v3
  // shows it less its weight (0.25) x (the caption's density - the query's): Embedder::score_map.
  float score = 0;
  std::string caption;  // that caption; empty when the picture matched best
  std::string metadata;
  Embedded matched = Embedded::caption;  // which of the image's vectors scored best
  // What ordered the hits: the cosine (vector mode), the BM25 of the caption whose words
  // matched (keyword mode; higher is better), or the fused reciprocal-rank sum (hybrid).
  double ranked_by = 0;
  bool matched_pixels() const { return matched == Embedded::picture; }
};

// How a text query ranks images: by caption vectors (cosine similarity); by caption words
// (BM25 over a full-text index: only images with a caption sharing a word); or both,
// fused by reciprocal rank. Whatever the mode, a hit's score is the cosine similarity of
// its caption to the query; Hit::ranked_by holds what ranked it. Stop words ("the", "in")
// match nothing by themselves.
enum class SearchMode { vector, keyword, hybrid };
// "vector", "keyword" or "hybrid"; and back (nullopt for any other name).
const char* search_mode_name(SearchMode mode);
std::optional<SearchMode> search_mode_named(std::string_view name);

struct SearchOptions {
  std::size_t k = 10;
  std::size_t ef = 0;       // HNSW search breadth; 0 uses the catalogue's default
  float min_score = -1.0f;  // hits scoring below this are dropped (see Hit::score)
  std::size_t offset = 0;   // skip this many best hits first (the next page)
  // Only images whose metadata meets every condition (see filter.hpp). Small matching
  // sets are scanned exactly; larger ones searched in the graph, widening until enough
  // matching images are found. Either way min(k, matching images - offset) hits.
  std::vector<Condition> where = {};
  SearchMode mode = SearchMode::vector;  // keyword and hybrid need a text query
};

// How the HNSW graph holds the vectors it searches: as float32, or as int8 codes (a
// quarter of the bytes, faster to compare). SQLite keeps float32 either way, and an int8
// search re-scores its best candidates with those, so every score is an exact cosine.
enum class GraphPrecision { float32, int8 };
// "float32" or "int8"; and back ("float" too; nullopt for any other name).
const char* graph_precision_name(GraphPrecision precision);
std::optional<GraphPrecision> graph_precision_named(std::string_view name);

// Defaults measured (README, "Choosing the defaults"): on 20k lexical caption vectors
// M=32 with ef_search=128 reaches recall@10 0.982 where M=16 with ef 64 reaches 0.834;
// learned vectors are easier (0.998 at M=32, ef 64).
struct CreateOptions {
  std::string embedder = "learned";  // the built-in model; "lexical" needs none
  std::size_t m = 32;
  std::size_t ef_construction = 200;
  std::size_t ef_search = 128;
  GraphPrecision graph = GraphPrecision::float32;
};

// Reports from long work (open with a rebuild, rebuild_index) and recoverable trouble.
struct Observer {
  std::function<void(std::string_view message)> warning;
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// What one image may hold. put() refuses more with an InputError naming the field, so a
// hostile or mistaken input cannot fill memory or the file with one image.
struct Limits {
  std::size_t max_caption_bytes = 64 * 1024;  // one caption's UTF-8 bytes
  std::size_t max_captions = 1000;            // per image, after duplicates are dropped
};

struct OpenOptions {
  bool read_only = false;
  Limits limits;
  // Refuse the catalogue unless it was created with this embedder ("" accepts any).
  std::string expect_embedder;
  // Save a graph snapshot once this many changes are not in it (checked after each write
  // and on close), so an open never replays more than this many changes.
  std::size_t checkpoint_after = 1000;
  // Compact the graph (rebuild it without deleted entries) and return the database's
  // free pages to the file system once more than this fraction of the graph is deleted;
  // checked after each write, for graphs of 1,000 elements or more. 0 turns it off.
  double compact_above = 0.3;
  // true: each commit is on disk (fsync of SQLite's write-ahead log) before put() or
  // remove() returns, so a power cut loses nothing they acknowledged. false: SQLite's
  // synchronous=NORMAL: the log is synced at checkpoints only, so a power cut may lose
  // the commits acknowledged since the last one (the catalogue stays consistent and whole:
  // never a part of a batch); a process crash still loses nothing.
  bool durable_commits = true;
  Observer observer;
};

struct PutResult {
  std::size_t added = 0;
  std::size_t updated = 0;
  std::size_t unchanged = 0;
  PutResult& operator+=(const PutResult& o) {
    added += o.added, updated += o.updated, unchanged += o.unchanged;
    return *this;
  }
};

struct Stats {
  std::size_t images = 0;
  std::size_t captions = 0;
  std::size_t pictures = 0;  // images whose pixels are embedded too
  std::size_t deleted = 0;   // graph elements marked deleted, reclaimed by compact()
  std::size_t dim = 0;
  std::string embedder;
  std::uint64_t file_bytes = 0;   // the SQLite file
  std::uint64_t graph_bytes = 0;  // the snapshot file
  std::int64_t last_seq = 0;      // newest change
  std::int64_t snapshot_seq = 0;  // newest change in the snapshot
  std::size_t log_entries = 0;    // changes kept in the log: those after the snapshot before
  int format = 0;                 // the file's format version
  std::size_t m = 0, ef_construction = 0, ef_search = 0;
  GraphPrecision graph = GraphPrecision::float32;
};

struct VerifyReport {
  bool ok() const { return problems.empty(); }
  std::vector<std::string> problems;  // one line each
  std::size_t images = 0;
  std::size_t captions_checked = 0;
  double sampled_recall = 1.0;  // recall@10 of the graph against an exact scan, sampled
  double deleted_fraction = 0;  // of the graph's elements; compact() reclaims them
};

struct CompactReport {
  std::size_t dropped = 0;                                      // deleted graph elements reclaimed
  std::uint64_t file_bytes_before = 0, file_bytes_after = 0;    // the SQLite file
  std::uint64_t graph_bytes_before = 0, graph_bytes_after = 0;  // the snapshot
};

struct ReembedReport {
  std::string from, to;      // the embedder specs before and after
  std::size_t captions = 0;  // embedded again (0 when `to` was already the embedder)
  double seconds = 0;        // embedding, writing and rebuilding the graph
  VerifyReport verify;       // of the catalogue afterwards
};

class Catalogue {
 public:
  // Creates a new catalogue file; fails with IoError if `path` exists.
  static Catalogue create(const std::filesystem::path& path, const CreateOptions& options = {},
                          OpenOptions open = {});
  // Opens an existing catalogue: NotFoundError if missing, FormatError if not a catalogue.
  // The embedder (its model) is made on first use, by embedder(), put() or a text search,
  // which then throw if this build cannot make the embedder the catalogue names. The graph
  // is likewise opened by the first search, write or stats() (a damaged snapshot is
  // warned about, and rebuilt, then); get(), size() and for_each_image() never open it.
  static Catalogue open(const std::filesystem::path& path, OpenOptions options = {});

  Catalogue(Catalogue&&) noexcept;
  Catalogue& operator=(Catalogue&&) noexcept;
  ~Catalogue();  // saves a snapshot if enough changes are pending; never throws

  // Upserts by URI, all or nothing. Identical content does no embedding and no write.
  PutResult put(const Image& image);
  PutResult put(std::span<const Image> images);
  // The same, calling `stored` (which must not throw) once SQLite holds the images and
  // before the graph takes them: another put may start then and store its rows while
  // these are indexed (it commits meanwhile; its indexing waits, as searches do). Bulk
  // loads overlap so.
  PutResult put(std::span<const Image> images, const std::function<void()>& stored);
  // Removes an image and its captions; returns false if the URI was not there.
  bool remove(std::string_view uri);
  // Throws NotFoundError if the URI is not in the catalogue. The image's vectors come with
  // it in a "none" catalogue, or with `with_vectors` (as stored: unit length) in any.
  Image get(std::string_view uri) const;
  Image get(std::string_view uri, bool with_vectors) const;

  // Exactly min(k, images - offset) hits (fewer only by min_score), one per image, best
  // first; with conditions, counting only the images that meet them.
  std::vector<Hit> search(std::string_view text, const SearchOptions& options = {}) const;
  std::vector<Hit> search(std::span<const float> vector, const SearchOptions& options = {}) const;
  // "" when some image meets every condition in `where`; otherwise, in one line, why none
  // does: the first condition no image meets and its likely mistake (a key no image has,
  // a value in quotes, "and" inside a value, a value differing only in case...).
  std::string why_no_image_matches(const std::vector<Condition>& where) const;

  // Calls f for every image, in the order they were added, with its vectors (as stored:
  // unit length) if asked, whatever the embedder; one SQL statement, so a consistent
  // snapshot even while others write.
  void for_each_image(const std::function<void(const Image&)>& f, bool with_vectors = false) const;

  std::size_t size() const;           // images
  std::size_t caption_count() const;  // pictures not counted
  const Embedder& embedder() const;   // made on first use (see open)
  // The embedder's spec as the catalogue names it, and its vectors' dimension: known
  // without making the embedder.
  const std::string& embedder_spec() const;
  std::size_t dim() const;
  const Limits& limits() const;

  // Saves a graph snapshot holding every change so far.
  void checkpoint();
  // Rebuilds the graph from the stored vectors (dropping deleted elements) and saves it,
  // and re-indexes the caption words for keyword search. With a precision, the graph is
  // rebuilt in it and the catalogue keeps it from then on.
  void rebuild_index(std::optional<GraphPrecision> precision = std::nullopt);
  // rebuild_index(), then rewrites the database without its free space (VACUUM). Other
  // processes may keep reading; writers wait. Every step is atomic.
  CompactReport compact();
  VerifyReport verify() const;
  Stats stats() const;

  // Embeds every caption again with `embedder` (a spec, as for create) and makes it the
  // catalogue's: all or nothing (one transaction: an error or a crash leaves the
  // catalogue as it was, or wholly moved), then rebuilds the graph and verifies. Progress
  // goes to OpenOptions::observer. Other processes (and other Catalogue objects) with the
  // catalogue open get an EmbedderMismatchError on their next search and must open it
  // again. Unlike other writes, not to be called while other threads use this object: it
  // replaces the embedder they embed with. Refused for catalogues with pictures and for
  // the "none" embedder.
  ReembedReport reembed(std::string_view embedder = "learned");

 private:
  class Impl;
  explicit Catalogue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace picdex
