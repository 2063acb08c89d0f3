// Maintenance: snapshots (checkpoint), rebuilding the graph, verification, statistics.
#include <algorithm>
#include <cmath>
#include <random>

#include "catalogue/impl.hpp"
#include "fault/failpoint.hpp"
#include "index/snapshot.hpp"
#include "picdex/error.hpp"
#include "store/keywords.hpp"

namespace picdex {
namespace fs = std::filesystem;

// Caller holds write_mutex. Saves the graph (readers may keep searching), then points the
// manifest at it unless another process recorded a newer snapshot meanwhile, and removes
// the snapshot the manifest named before.
void Catalogue::Impl::checkpoint() {
  if (read_only) throw IoError(path.string() + ": catalogue is open read-only");
  index::SnapshotFile file;
  std::int64_t seq;
  {
    SharedLock graph_lock(graph_mutex);
    seq = applied_seq;
    file = index::write_snapshot(*graph, hit_rows, path, seq);
  }
  std::optional<store::Manifest> previous;
  bool recorded = false;
  store::guarded(path.string(), [&] {
    write_mutex.held();
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    previous = rows->manifest();
    if (previous && previous->seq > seq) return;  // another process saved a newer one
    rows->set_manifest({file.path.filename().string(), seq, static_cast<std::int64_t>(file.bytes),
                        file.checksum, static_cast<std::int64_t>(file.elements)});
    // A process whose graph is older than the previous snapshot loads this one again:
    // the changes the previous one holds are no longer needed (a bounded log).
    if (previous && previous->seq < seq) rows->trim_log(previous->seq);
    tx.commit();
    recorded = true;
  });
  if (recorded) fault::failpoint("snapshot.recorded");
  std::error_code ignored;
  if (!recorded) {
    fs::remove(file.path, ignored);
    return;
  }
  {
    Lock graph_lock(graph_mutex);
    snapshot_seq = seq;
  }
  if (previous && previous->file != file.path.filename().string())
    if (const auto old = index::snapshot_path(path, previous->file)) fs::remove(*old, ignored);
}

Catalogue::Impl::Filled Catalogue::Impl::read_every_caption(store::Rows& source) const {
  Filled out{std::make_unique<index::Graph>(shape), {}, 0};
  // One read transaction: the captions and the seq they correspond to agree.
  SQLite::Transaction tx(source.database());
  out.seq = source.last_seq();
  const auto total = static_cast<std::size_t>(source.count_captions());
  constexpr std::size_t kChunk = 4096;
  std::vector<std::int64_t> labels;
  std::vector<float> vectors;
  std::size_t done = 0;
  auto flush = [&] {
    out.graph->add(labels, vectors, threads);
    done += labels.size();
    labels.clear();
    vectors.clear();
    if (options.observer.progress) options.observer.progress(done, total);
  };
  source.for_each_caption([&](const store::Rows::CaptionRecord& c) {
    if (c.vec.size() != shape.dim)
      throw FormatError(path.string() + ": caption " + std::to_string(c.id) +
                        " has a vector of the wrong dimension");
    out.hit_rows.put(c.id, c.image_id, c.text, c.uri, c.metadata);
    labels.push_back(c.id);
    vectors.insert(vectors.end(), c.vec.begin(), c.vec.end());
    if (labels.size() == kChunk) flush();
  });
  flush();
  return out;
}

void Catalogue::Impl::start_from(Filled filled) {
  graph = std::move(filled.graph);
  hit_rows = std::move(filled.hit_rows);
  applied_seq = filled.seq;
  snapshot_seq = 0;
}

void Catalogue::Impl::rebuild_index() {
  if (read_only) throw IoError(path.string() + ": catalogue is open read-only");
  auto filled = store::guarded(path.string(), [&] {
    write_mutex.held();
    return read_every_caption(*rows);
  });
  {
    Lock graph_lock(graph_mutex);
    start_from(std::move(filled));
    sync_graph(*rows);  // anything committed by others since the read
  }
  checkpoint();
}

void Catalogue::Impl::maybe_compact() {
  constexpr std::size_t kSmallest = 1000;  // below this a few tombstones cost nothing
  if (read_only || options.compact_above <= 0) return;
  std::size_t elements, deleted;
  {
    SharedLock graph_lock(graph_mutex);
    elements = graph->elements();
    deleted = graph->deleted();
  }
  if (elements < kSmallest || static_cast<double>(deleted) <= options.compact_above * elements)
    return;
  rebuild_index();
  // Cheap where the file was created with auto_vacuum = incremental (every catalogue this
  // build creates); a no-op otherwise, where compact() does the full rewrite.
  store::guarded(path.string(), [&] {
    write_mutex.held();
    db->exec("PRAGMA incremental_vacuum");
  });
}

CompactReport Catalogue::Impl::compact() {
  if (read_only) throw IoError(path.string() + ": catalogue is open read-only");
  CompactReport report;
  const auto before = stats();
  report.file_bytes_before = before.file_bytes;
  report.graph_bytes_before = before.graph_bytes;
  report.dropped = before.deleted;
  rebuild_index();
  store::guarded(path.string(), [&] {
    write_mutex.held();
    // VACUUM rewrites the file in one transaction; auto_vacuum set first takes effect in
    // it, so that later automatic compactions can free pages cheaply.
    db->exec("PRAGMA auto_vacuum = INCREMENTAL");
    db->exec("VACUUM");
    db->exec("PRAGMA wal_checkpoint(TRUNCATE)");  // give the log's pages back too
  });
  const auto after = stats();
  report.file_bytes_after = after.file_bytes;
  report.graph_bytes_after = after.graph_bytes;
  return report;
}

VerifyReport Catalogue::Impl::verify() const {
  VerifyReport report;
  SharedLock graph_lock(graph_mutex);
  auto reader = store::open_database(path, store::OpenMode::read_only);
  store::Rows rows(*reader);
  store::guarded(path.string(), [&] {
    graph_mutex.held_shared();
    const auto check = reader->execAndGet("PRAGMA quick_check").getString();
    if (check != "ok") report.problems.push_back("SQLite quick_check: " + check);
    report.images = static_cast<std::size_t>(rows.count_images());
    std::vector<std::int64_t> caption_ids;
    std::size_t misfiled = 0;  // captions whose mirrored search row disagrees with SQLite
    rows.for_each_caption([&](const store::Rows::CaptionRecord& c) {
      graph_mutex.held_shared();
      ++report.captions_checked;
      caption_ids.push_back(c.id);
      const auto row = hit_rows.row(c.id);
      misfiled += !row || hit_rows.image_of(c.id) != c.image_id || row->text != c.text ||
                  row->uri != c.uri || row->metadata != c.metadata;
      if (c.vec.size() != shape.dim) {
        report.problems.push_back("caption " + std::to_string(c.id) + ": vector has " +
                                  std::to_string(c.vec.size()) + " dimensions, not " +
                                  std::to_string(shape.dim));
        return;
      }
      double norm = 0;
      for (float v : c.vec) norm += static_cast<double>(v) * v;
      if (!std::isfinite(norm) || std::abs(std::sqrt(norm) - 1.0) > 1e-3)
        report.problems.push_back("caption " + std::to_string(c.id) +
                                  ": vector is not unit length");
    });
    auto labels = graph->labels();
    std::sort(labels.begin(), labels.end());
    if (labels != caption_ids) {
      std::vector<std::int64_t> missing, orphans;
      std::set_difference(caption_ids.begin(), caption_ids.end(), labels.begin(), labels.end(),
                          std::back_inserter(missing));
      std::set_difference(labels.begin(), labels.end(), caption_ids.begin(), caption_ids.end(),
                          std::back_inserter(orphans));
      report.problems.push_back("graph: " + std::to_string(missing.size()) + " captions missing, " +
                                std::to_string(orphans.size()) + " labels without a caption");
    }
    if (misfiled > 0)
      report.problems.push_back("graph: " + std::to_string(misfiled) +
                                " captions whose search row (image, text, URI or metadata) "
                                "disagrees with the database");
    if (const auto m = rows.manifest(); m && m->seq > rows.last_seq())
      report.problems.push_back("graph snapshot manifest claims change " + std::to_string(m->seq) +
                                ", newer than the log's last (" + std::to_string(rows.last_seq()) +
                                ")");
    const auto m = rows.manifest();
    const auto named = m ? index::snapshot_path(path, m->file) : std::nullopt;
    if (m && !named)
      report.problems.push_back("graph snapshot manifest names '" + m->file +
                                "', not a snapshot of this catalogue");
    if (named) {
      const index::SnapshotFile expected{*named,
                                         static_cast<std::uint64_t>(m->bytes),
                                         m->checksum,
                                         static_cast<std::uint64_t>(m->elements),
                                         {}};
      if (auto why = index::check_snapshot(expected, shape))
        report.problems.push_back("graph snapshot " + expected.path.string() + " " + *why);
    }
  });

  if (graph->elements() > 0)
    report.deleted_fraction =
        static_cast<double>(graph->deleted()) / static_cast<double>(graph->elements());
  // Sampled recall@10 of the graph against an exact scan, querying with stored vectors.
  const auto labels = graph->labels();
  if (!labels.empty()) {
    std::mt19937_64 rng(42);
    const std::size_t samples = std::min<std::size_t>(100, labels.size());
    std::size_t found = 0, wanted = 0;
    for (std::size_t s = 0; s < samples; ++s) {
      const auto label = labels[rng() % labels.size()];
      const auto vec = store::guarded(path.string(), [&] {
        SQLite::Statement q(*reader, "SELECT vec FROM captions WHERE id = ?");
        q.bind(1, label);
        q.executeStep();
        const auto blob = q.getColumn(0);
        return store::vector_from_blob(blob.getBlob(), blob.getBytes());
      });
      if (vec.size() != shape.dim) continue;
      const auto exact = graph->exact(vec, 10);
      const auto approx = graph->search(vec, 10, ef_search);
      const float threshold = exact.back().score - 1e-5f;
      wanted += exact.size();
      for (const auto& n : approx) found += n.score >= threshold;
    }
    report.sampled_recall = wanted ? static_cast<double>(std::min(found, wanted)) / wanted : 1.0;
    if (report.sampled_recall < 0.9)
      report.problems.push_back("graph: sampled recall@10 is " +
                                std::to_string(report.sampled_recall) + " (expected >= 0.9)");
  }
  return report;
}

Stats Catalogue::Impl::stats() const {
  Stats s;
  s.dim = shape.dim;
  s.embedder = embedder->spec();
  s.m = shape.m;
  s.ef_construction = shape.ef_construction;
  s.ef_search = ef_search;
  with_reader([&](store::Rows& rows) {
    s.images = static_cast<std::size_t>(rows.count_images());
    s.pictures = static_cast<std::size_t>(rows.count_pictures());
    s.captions = static_cast<std::size_t>(rows.count_captions()) - s.pictures;
    s.last_seq = rows.last_seq();
    s.log_entries = static_cast<std::size_t>(rows.count_changes());
    s.format = rows.format_version();
    if (const auto m = rows.manifest()) {
      s.snapshot_seq = m->seq;
      s.graph_bytes = static_cast<std::uint64_t>(m->bytes);
    }
    return 0;
  });
  {
    SharedLock graph_lock(graph_mutex);
    s.deleted = graph->deleted();
  }
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    const auto bytes = fs::file_size(path.string() + suffix, ec);
    if (!ec) s.file_bytes += bytes;
  }
  return s;
}

void Catalogue::checkpoint() {
  Lock lock(impl_->write_mutex);
  bool saved;
  {
    SharedLock graph_lock(impl_->graph_mutex);
    saved = impl_->applied_seq == impl_->snapshot_seq && impl_->snapshot_seq != 0;
  }
  if (!saved) impl_->checkpoint();
}
void Catalogue::rebuild_index() {
  Lock lock(impl_->write_mutex);
  if (impl_->read_only) throw IoError(impl_->path.string() + ": catalogue is open read-only");
  store::guarded(impl_->path.string(), [&] {
    impl_->write_mutex.held();
    store::rebuild_keywords(*impl_->db);
  });
  impl_->rebuild_index();
}
CompactReport Catalogue::compact() {
  Lock lock(impl_->write_mutex);
  return impl_->compact();
}
VerifyReport Catalogue::verify() const {
  return impl_->verify();
}
Stats Catalogue::stats() const {
  return impl_->stats();
}

}  // namespace picdex
