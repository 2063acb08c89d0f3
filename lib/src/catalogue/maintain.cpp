// Maintenance: snapshots, rebuilding the graph, compaction, verification, statistics.
#include "catalogue/impl.hpp"
#include "picdex/error.hpp"
#include "store/keywords.hpp"

namespace picdex {
namespace fs = std::filesystem;

void Catalogue::Impl::checkpoint() {
  WriterLock lock(*this);
  if (auto& replica = replica_held(); !replica.saved()) replica.save(*tables_);
}

void Catalogue::Impl::rebuild_index(std::optional<GraphPrecision> precision) {
  WriterLock lock(*this);
  store::guarded(path_.string(), [&] {
    write_mutex_.held();
    store::rebuild_keywords(*db_);
  });
  replica_held().rebuild(*tables_, precision);
  // After the snapshot is saved: a crash before this leaves the old precision named, and
  // the new snapshot, whose header says its own, still used.
  if (precision)
    store::guarded(path_.string(), [&] {
      write_mutex_.held();
      tables_->set_meta(store::kMetaGraphPrecision, graph_precision_name(*precision));
    });
}

CompactReport Catalogue::Impl::compact() {
  WriterLock lock(*this);
  CompactReport report;
  auto& replica = replica_held();  // (open before stats() uses it)
  const auto before = stats();
  report.file_bytes_before = before.file_bytes;
  report.graph_bytes_before = before.graph_bytes;
  report.dropped = before.deleted;
  replica.rebuild(*tables_);
  store::guarded(path_.string(), [&] {
    write_mutex_.held();
    // VACUUM rewrites the file in one transaction; auto_vacuum set first takes effect in
    // it, so that later automatic compactions can free pages cheaply.
    db_->exec("PRAGMA auto_vacuum = INCREMENTAL");
    db_->exec("VACUUM");
    db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");  // give the log's pages back too
  });
  const auto after = stats();
  report.file_bytes_after = after.file_bytes;
  report.graph_bytes_after = after.graph_bytes;
  return report;
}

VerifyReport Catalogue::Impl::verify() {
  VerifyReport report;
  with_reader([&](store::Tables& tables) {
    const auto check = tables.database().execAndGet("PRAGMA quick_check").getString();
    if (check != "ok") report.problems.push_back("SQLite quick_check: " + check);
    report.images = static_cast<std::size_t>(tables.count_images());
    return 0;
  });
  replica().check(report);
  return report;
}

Stats Catalogue::Impl::stats() const {
  Stats s;
  s.dim = dim_;
  s.embedder = embedder_spec_;
  std::optional<store::Manifest> manifest;
  with_reader([&](store::Tables& tables) {
    SQLite::Transaction in_one_state(tables.database());  // counts of one moment; one lock
    s.images = static_cast<std::size_t>(tables.count_images());
    s.pictures = static_cast<std::size_t>(tables.count_pictures());
    s.captions = static_cast<std::size_t>(tables.count_captions());
    s.last_seq = tables.last_seq();
    s.log_entries = static_cast<std::size_t>(tables.count_changes());
    s.format = tables.format_version();
    manifest = tables.manifest();
    if (manifest) {
      s.snapshot_seq = manifest->seq;
      s.graph_bytes = static_cast<std::uint64_t>(manifest->bytes);
    }
    return 0;
  });
  // A catalogue no search or write has used yet need not load its graph for this.
  std::optional<std::size_t> deleted;
  if (!replica_open_.load(std::memory_order_acquire) && manifest)
    deleted = replica_->deleted_before_open(*manifest, s.last_seq);
  auto& replica = deleted ? *replica_ : this->replica();
  const auto shape = replica.shape();
  s.m = shape.m;
  s.ef_construction = shape.ef_construction;
  s.graph = shape.precision;
  s.ef_search = ef_search_;
  s.deleted = deleted ? *deleted : replica.deleted();
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    const auto bytes = fs::file_size(path_.string() + suffix, ec);
    if (!ec) s.file_bytes += bytes;
  }
  return s;
}

void Catalogue::checkpoint() {
  impl_->checkpoint();
}
void Catalogue::rebuild_index(std::optional<GraphPrecision> precision) {
  impl_->rebuild_index(precision);
}
CompactReport Catalogue::compact() {
  return impl_->compact();
}
VerifyReport Catalogue::verify() const {
  return impl_->verify();
}
Stats Catalogue::stats() const {
  return impl_->stats();
}

}  // namespace picdex
