// Catalogues served by a distributed engine: push a catalogue into one, and search it
// there with picdex's own embedder. picdex stays embedded; the engine shards and
// replicates. Engines are named by URL:
//   clickhouse://HOST:PORT[,HOST:PORT...]/DB.TABLE[?cluster=NAME]
//     ClickHouse's HTTP interface. With a cluster (remote_servers in the servers' config),
//     every HOST:PORT listed is a shard that gets the table (TABLE_shard) and a
//     Distributed table TABLE over them, sharded by URI; the first serves searches.
//     Without one, TABLE is a plain table on the one server.
//   chroma://HOST:PORT/COLLECTION
//     Chroma's HTTP API (v2): a collection of one record per caption, HNSW with cosine.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "picdex/catalogue.hpp"
#include "picdex/embedder.hpp"

namespace picdex {

struct PushOptions {
  std::size_t batch = 500;                                            // images a request
  std::function<void(std::size_t done, std::size_t total)> progress;  // images examined
};

struct PushReport {
  std::size_t sent = 0;       // images added or changed on the engine
  std::size_t removed = 0;    // images the engine had that the catalogue no longer has
  std::size_t unchanged = 0;  // images already on the engine as they are
};

// Copies the catalogue's images (captions, vectors, URI, metadata) into the engine, creating
// its tables if missing. Idempotent: the engine holds a digest of each image it has, so a
// push sends only what differs from what the engine holds (removals included), and a push
// that failed part way (a shard down) is completed by the next. The engine stores the
// catalogue's embedder spec; a catalogue with another embedder is refused
// (EmbedderMismatchError). IoError for an engine that cannot be reached or refuses.
PushReport push(const Catalogue& catalogue, std::string_view url, const PushOptions& options = {});

// A catalogue as an engine serves it.
class RemoteCatalogue {
 public:
  // Connects and reads the embedder spec the engine stores (NotFoundError if it holds no
  // pushed catalogue).
  static RemoteCatalogue connect(std::string_view url);
  RemoteCatalogue(RemoteCatalogue&&) noexcept;
  RemoteCatalogue& operator=(RemoteCatalogue&&) noexcept;
  ~RemoteCatalogue();

  const std::string& embedder_spec() const;
  // As Catalogue::search in vector mode (k, offset, min_score, where). ClickHouse scans
  // exactly, so its hits are an exact search's; Chroma searches its HNSW graph. The text
  // form embeds the query here, with the embedder the spec names.
  std::vector<Hit> search(std::span<const float> vector, const SearchOptions& options = {});
  std::vector<Hit> search(std::string_view text, const SearchOptions& options = {});

  class Engine;

 private:
  explicit RemoteCatalogue(std::unique_ptr<Engine> engine);
  std::unique_ptr<Engine> engine_;
  std::optional<std::string> spec_;
  std::unique_ptr<Embedder> embedder_;  // made on the first text search
};

}  // namespace picdex
