// Replica: saving snapshots (and trimming the log they make unneeded), rebuilding.
#include "fault/failpoint.hpp"
#include "fault/file_watch.hpp"
#include "index/snapshot.hpp"
#include "picdex/error.hpp"
#include "replica/replica.hpp"

namespace picdex::replica {
namespace fs = std::filesystem;

void Replica::save(store::Tables& writer) {
  if (settings_.read_only) throw IoError(where() + ": catalogue is open read-only");
  record(writer, write(SaveTicket{}));
}

void Replica::save_if_due(store::Tables& writer, bool closing) {
  if (auto written = write_if_due(closing)) record(writer, std::move(*written));
}

std::optional<Replica::Written> Replica::write_if_due(bool closing) {
  if (settings_.read_only || writing_.exchange(true)) return std::nullopt;
  SaveTicket ticket(&writing_);
  {
    SharedLock graph_lock(graph_mutex_);
    if (!save_due(closing)) return std::nullopt;
  }
  return write(std::move(ticket));
}

// (Searches go on while the file is written; replays wait only until it is, not synced.)
Replica::Written Replica::write(SaveTicket ticket) {
  std::int64_t seq;
  std::uint64_t generation;
  index::UnsyncedSnapshot unsynced;
  {
    SharedLock graph_lock(graph_mutex_);
    seq = applied_seq_;
    {
      Lock snapshot_lock(snapshot_mutex_);
      generation = graph_generation_;
    }
    unsynced = index::write_unsynced(*graph_, hits_, settings_.catalogue, seq);
  }
  return {index::sync_snapshot(std::move(unsynced), settings_.catalogue), seq, generation,
          std::move(ticket)};
}

// Points the manifest at the file unless another process recorded a newer snapshot
// meanwhile, and removes the snapshot the manifest named before.
void Replica::record(store::Tables& writer, Written written) {
  const auto& file = written.file;
  const auto seq = written.seq;
  std::optional<store::Manifest> previous;
  bool recorded = false;
  store::guarded(where(), [&] {
    {
      Lock snapshot_lock(snapshot_mutex_);
      if (written.generation != graph_generation_) return;  // (the graph's lock is not needed)
    }
    SQLite::Transaction tx(writer.database(), SQLite::TransactionBehavior::IMMEDIATE);
    previous = writer.manifest();
    if (previous && previous->seq > seq) return;  // another process saved a newer one
    writer.set_manifest({file.path.filename().string(), seq, static_cast<std::int64_t>(file.bytes),
                         file.checksum, static_cast<std::int64_t>(file.elements)});
    // A process whose graph is older than the previous snapshot loads this one again:
    // the changes the previous one holds are no longer needed (a bounded log).
    if (previous && previous->seq < seq) writer.trim_log(previous->seq);
    tx.commit();
    recorded = true;
  });
  if (recorded) fault::failpoint("snapshot.recorded");
  std::error_code ignored;
  if (!recorded) {
    fault::remove_file(file.path, ignored);
    return;
  }
  {
    Lock snapshot_lock(snapshot_mutex_);
    if (written.generation == graph_generation_) snapshot_seq_ = seq;
  }
  if (previous && previous->file != file.path.filename().string())
    if (const auto old = index::snapshot_path(settings_.catalogue, previous->file))
      fault::remove_file(*old, ignored);
}

bool Replica::save_due(bool closing) const {
  if (settings_.read_only) return false;
  const auto elements = static_cast<std::int64_t>(graph_->elements());
  std::int64_t pending;
  {
    Lock snapshot_lock(snapshot_mutex_);
    pending = applied_seq_ - snapshot_seq_;
  }
  auto threshold = static_cast<std::int64_t>(settings_.checkpoint_after);
  threshold = closing ? std::min(threshold, std::max<std::int64_t>(64, elements / 100))
                      : std::max(threshold, elements / 4);
  return pending > 0 && pending >= threshold;
}

bool Replica::saved() const {
  SharedLock graph_lock(graph_mutex_);
  Lock snapshot_lock(snapshot_mutex_);
  return applied_seq_ == snapshot_seq_ && snapshot_seq_ != 0;
}

void Replica::rebuild(store::Tables& writer, std::optional<GraphPrecision> precision) {
  if (settings_.read_only) throw IoError(where() + ": catalogue is open read-only");
  auto shape = this->shape();
  if (precision) shape.precision = *precision;
  auto filled = store::guarded(where(), [&] { return read_every_caption(writer, shape); });
  {
    Lock graph_lock(graph_mutex_);
    settings_.shape.precision = shape.precision;
    start_from(std::move(filled));
    store::guarded(where(), [&] {
      graph_mutex_.held();
      apply(writer);  // anything committed by others since the read
    });
  }
  save(writer);
}

bool Replica::compacting_due(double above) const {
  constexpr std::size_t kSmallest = 1000;  // below this a few tombstones cost nothing
  if (settings_.read_only || above <= 0) return false;
  const auto elements = graph_->elements();
  return elements >= kSmallest &&
         static_cast<double>(graph_->deleted()) > above * static_cast<double>(elements);
}

}  // namespace picdex::replica
