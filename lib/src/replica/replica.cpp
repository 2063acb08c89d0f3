// Replica: opening (snapshot, then the log), committing and replaying the change log.
#include "replica/replica.hpp"

#include "fault/failpoint.hpp"
#include "fault/file_watch.hpp"
#include "index/snapshot.hpp"
#include "picdex/error.hpp"

namespace picdex::replica {

Replica::Replica(Settings settings, const store::ReaderPool& readers)
    : settings_(std::move(settings)),
      readers_(readers),
      beacon_(settings_.catalogue, !settings_.read_only) {}

void Replica::warn(const std::string& message) const {
  if (settings_.observer.warning) settings_.observer.warning(message);
}

// A read-only open leaves the snapshot's layer 0 unchecked until something must change the
// graph; a read-write open checks it whole now.
void Replica::open(store::Tables& writer) {
  Loaded loaded;
  {
    Lock graph_lock(graph_mutex_);
    // (The catalogue may have been opened, and this replica made, before a re-embedding.)
    store::guarded(where(), [&] {
      graph_mutex_.held();
      refuse_if_reembedded(writer);
    });
    loaded = map_snapshot(writer);
    // (An empty graph costs hnswlib's lock table, a few MB: made only when no snapshot is.)
    if (loaded == Loaded::nothing)
      replace_graph(std::make_unique<index::Graph>(settings_.shape), 0);
    store::guarded(where(), [&] {
      graph_mutex_.held();
      // (Warned.) Start from the captions themselves.
      if (loaded == Loaded::damaged) start_from(read_every_caption(writer));
      apply(writer);
    });
  }
  if (settings_.read_only) return;
  if (loaded == Loaded::damaged) save(writer);  // so the next open need not rebuild again
  remove_leftovers(writer);
}

Replica::Loaded Replica::map_snapshot(store::Tables& tables) {
  // A snapshot can vanish between reading the manifest and opening the file when another
  // process saves a newer one and removes the old: then read the manifest again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto manifest = store::guarded(where(), [&] { return tables.manifest(); });
    if (!manifest) return Loaded::nothing;
    const auto named = index::snapshot_path(settings_.catalogue, manifest->file);
    const auto file = named.value_or(manifest->file);
    std::string why;
    index::HitTable mapped_hits;
    try {
      if (!named) throw index::SnapshotError("is not a snapshot name of this catalogue");
      auto mapped =
          index::Graph::map(settings_.shape, file, static_cast<std::uint64_t>(manifest->bytes),
                            manifest->checksum, mapped_hits);
      if (mapped.elements() != static_cast<std::size_t>(manifest->elements))
        throw index::SnapshotError("holds another number of elements than the manifest");
      if (!settings_.read_only) {
        if (auto problem = mapped.make_writable()) throw index::SnapshotError(*problem);
        // A writer saves newer snapshots and removes this one: its texts must not keep the
        // removed file's disk space (a reader's layer 0 does, until it reloads).
        mapped_hits.own_texts();
      }
      replace_graph(std::make_unique<index::Graph>(std::move(mapped)), manifest->seq);
      settings_.shape.precision = graph_->shape().precision;  // another process may have switched
      hits_ = std::move(mapped_hits);
      applied_seq_ = manifest->seq;
      return Loaded::snapshot;
    } catch (const index::SnapshotError& e) {
      why = e.what();
    }
    const auto again = store::guarded(where(), [&] { return tables.manifest(); });
    if (again && again->file != manifest->file) continue;
    warn("graph snapshot " + file.string() + " " + why + "; rebuilding it from the stored vectors");
    return Loaded::damaged;
  }
  return Loaded::nothing;
}

void Replica::remove_leftovers(store::Tables& writer) {
  const auto& catalogue = settings_.catalogue;
  // Usually there are none: look without locking first, so an open costs no write lock.
  const auto manifest = store::guarded(where(), [&] { return writer.manifest(); });
  if (index::stale_snapshots(catalogue, manifest ? manifest->file : "").empty()) return;
  // In a write transaction, so no save can record its snapshot between our reading the
  // manifest and removing files (a save in progress holds its file locked).
  const auto removed = store::guarded(where(), [&] {
    SQLite::Transaction tx(writer.database(), SQLite::TransactionBehavior::IMMEDIATE);
    const auto manifest = writer.manifest();
    const auto n = index::remove_stale_snapshots(catalogue, manifest ? manifest->file : "");
    tx.commit();
    return n;
  });
  if (removed > 0)
    warn("removed " + std::to_string(removed) +
         " leftover graph snapshot file(s) of an interrupted or superseded save");
}

Replica::Upkeep Replica::commit(SQLite::Transaction& tx, store::Tables& writer,
                                const std::function<void()>& stored, double compact_above) {
  // Committed before the graph is locked, so that a commit overlaps the replay of the one
  // before it (whose stored() let this writer in).
  commit_signalled(tx, "commit.before", "commit.after");
  Lock graph_lock(graph_mutex_);
  store::guarded(where(), [&] {
    graph_mutex_.held();
    const auto changes = read_changes(writer);
    if (stored) stored();
    take(changes);
  });
  return {save_due(/*closing=*/false), compacting_due(compact_above)};
}

void Replica::commit_reembedded(SQLite::Transaction& tx, store::Tables& writer,
                                std::string embedder, std::size_t dim) {
  const auto old_snapshot = store::guarded(where(), [&] {
    auto manifest = writer.manifest();
    writer.clear_manifest();
    return manifest;
  });
  {
    Lock graph_lock(graph_mutex_);
    commit_signalled(tx, "reembed.before", "reembed.after");
    settings_.embedder = std::move(embedder);
    settings_.shape.dim = dim;
    replace_graph(std::make_unique<index::Graph>(settings_.shape), 0);
    hits_.clear();
    applied_seq_ = 0;
  }
  if (old_snapshot)
    if (const auto file = index::snapshot_path(settings_.catalogue, old_snapshot->file)) {
      std::error_code ignored;
      fault::remove_file(*file, ignored);
    }
}

void Replica::commit_signalled(SQLite::Transaction& tx, const char* before, const char* after) {
  beacon_.begin_commit();  // throws, so the transaction rolls back, if it cannot signal
  fault::failpoint(before);
  try {
    store::guarded(where(), [&] { tx.commit(); });
  } catch (...) {
    beacon_.end_commit();
    throw;
  }
  fault::failpoint(after);
  beacon_.end_commit();
}

void Replica::refuse_if_reembedded(store::Tables& tables) const {
  if (const auto spec = tables.meta(store::kMetaEmbedder); spec && *spec != settings_.embedder)
    throw EmbedderMismatchError(where() + ": was re-embedded with '" + *spec +
                                "' by another process; open it again");
}

// Replays changes after applied_seq_; where the log has been trimmed past applied_seq_,
// starts again from the newest snapshot or from every caption.
std::vector<store::ChangedCaption> Replica::read_changes(store::Tables& tables) {
  std::vector<store::ChangedCaption> changes;
  for (bool reloaded = false;; reloaded = true) {
    changes = tables.changes_since(applied_seq_);
    if (changes.empty()) return changes;
    refuse_if_reembedded(tables);
    // Read after the changes, so that a trim that came before that read shows here.
    if (applied_seq_ < tables.log_trimmed_through()) {
      if (!reloaded && map_snapshot(tables) == Loaded::snapshot) continue;
      start_from(read_every_caption(tables));
      continue;
    }
    const auto why = graph_->make_writable();
    if (!why) break;
    // A mapped snapshot whose layer 0 fails its check: rebuild from every stored caption.
    warn("graph snapshot " + graph_->mapped_file().string() + " " + *why +
         "; rebuilding it from the stored vectors");
    start_from(read_every_caption(tables));
  }
  return changes;
}

void Replica::take(const std::vector<store::ChangedCaption>& changes) {
  if (changes.empty()) return;
  std::vector<std::int64_t> labels;
  std::vector<float> vectors;
  for (const auto& change : changes) {
    if (change.vec) {
      if (change.vec->size() != settings_.shape.dim)
        throw FormatError(where() + ": caption " + std::to_string(change.caption_id) +
                          " has a vector of the wrong dimension");
      hits_.put(change.caption_id, change.image_id, change.text, change.uri, change.metadata);
      labels.push_back(change.caption_id);
      vectors.insert(vectors.end(), change.vec->begin(), change.vec->end());
    } else {
      hits_.remove(change.caption_id);
      graph_->remove(change.caption_id);
    }
  }
  graph_->add(labels, vectors, settings_.threads);
  applied_seq_ = changes.back().seq;
}

Replica::Filled Replica::read_every_caption(store::Tables& tables,
                                            const index::GraphShape& shape) const {
  Filled out{std::make_unique<index::Graph>(shape), {}, 0};
  // One read transaction: the captions and the seq they correspond to agree.
  SQLite::Transaction tx(tables.database());
  out.seq = tables.last_seq();
  const auto total = static_cast<std::size_t>(tables.count_vectors());
  constexpr std::size_t kChunk = 4096;
  std::vector<std::int64_t> labels;
  std::vector<float> vectors;
  std::size_t done = 0;
  auto flush = [&] {
    out.graph->add(labels, vectors, settings_.threads);
    done += labels.size();
    labels.clear();
    vectors.clear();
    if (settings_.observer.progress) settings_.observer.progress(done, total);
  };
  tables.for_each_vector([&](const store::Tables::VectorRecord& c) {
    if (c.vec.size() != shape.dim)
      throw FormatError(where() + ": caption " + std::to_string(c.id) +
                        " has a vector of the wrong dimension");
    out.hits.put(c.id, c.image_id, c.text, c.uri, c.metadata);
    labels.push_back(c.id);
    vectors.insert(vectors.end(), c.vec.begin(), c.vec.end());
    if (labels.size() == kChunk) flush();
  });
  flush();
  return out;
}

void Replica::start_from(Filled filled) {
  replace_graph(std::move(filled.graph), 0);  // the next save_if_due saves it
  hits_ = std::move(filled.hits);
  applied_seq_ = filled.seq;
}

}  // namespace picdex::replica
