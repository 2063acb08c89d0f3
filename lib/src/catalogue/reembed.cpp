// Catalogue::reembed: every caption embedded again with another embedder in one
// transaction (all or nothing), then the graph rebuilt from the new vectors and checked.
//
// Other processes notice on their next search: they find changes to replay, see that the
// catalogue's embedder is no longer theirs (sync_graph), and refuse until reopened. A
// crash after the commit leaves no snapshot named (the manifest is cleared in the same
// transaction), so the next open builds the graph from the new vectors.
#include <chrono>

#include "catalogue/impl.hpp"
#include "embed/batch.hpp"
#include "index/snapshot.hpp"
#include "picdex/error.hpp"

namespace picdex {

ReembedReport Catalogue::Impl::reembed(std::string_view spec) {
  if (read_only) throw IoError(path.string() + ": catalogue is open read-only");
  auto next = make_embedder(spec);
  ReembedReport report;
  report.from = embedder->spec();
  report.to = next->spec();
  if (report.to.starts_with("none:"))
    throw InputError("reembed: embedder '" + report.to +
                     "' takes vectors from outside; choose one that embeds text");
  if (report.to == report.from) {
    report.verify = verify();
    return report;
  }
  const auto started = std::chrono::steady_clock::now();
  std::optional<store::Manifest> old_snapshot;
  store::guarded(path.string(), [&] {
    write_mutex.held();
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    if (const auto pictures = rows->count_pictures(); pictures > 0)
      throw InputError(path.string() + ": has " + std::to_string(pictures) +
                       " pictures, which reembed cannot embed again; export the captions and "
                       "import them into a new catalogue instead");
    const auto captions = rows->caption_texts();
    constexpr std::size_t kChunk = 4096;
    std::vector<std::string_view> texts;
    for (std::size_t start = 0; start < captions.size(); start += kChunk) {
      const auto end = std::min(captions.size(), start + kChunk);
      texts.clear();
      for (auto i = start; i < end; ++i) texts.push_back(captions[i].second);
      const auto vectors = embed::embed_all(*next, texts, threads, [&](std::size_t i) {
        return InputPlace{.field = "caption " + std::to_string(captions[start + i].first)};
      });
      for (auto i = start; i < end; ++i)
        rows->set_caption_vector(captions[i].first, std::span<const float>(vectors).subspan(
                                                        (i - start) * next->dim(), next->dim()));
      if (options.observer.progress) options.observer.progress(end, captions.size());
    }
    rows->set_meta(kMetaEmbedder, report.to);
    rows->set_meta(kMetaDim, std::to_string(next->dim()));
    old_snapshot = rows->manifest();
    rows->clear_manifest();
    report.captions = captions.size();
    Lock graph_lock(graph_mutex);
    commit_signalled(tx, "reembed.before", "reembed.after");
    // Committed: from here on the catalogue is the new embedder's. An empty graph at seq 0
    // until the rebuild below (a search meanwhile replays the whole log: slow, not wrong).
    embedder = std::move(next);
    external_vectors = false;
    shape.dim = embedder->dim();
    graph = std::make_unique<index::Graph>(shape);
    hit_rows.clear();
    applied_seq = snapshot_seq = 0;
  });
  if (old_snapshot)
    if (const auto file = index::snapshot_path(path, old_snapshot->file)) {
      std::error_code ignored;
      std::filesystem::remove(*file, ignored);
    }
  rebuild_index();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.verify = verify();
  return report;
}

ReembedReport Catalogue::reembed(std::string_view embedder) {
  Lock lock(impl_->write_mutex);
  return impl_->reembed(embedder);
}

}  // namespace picdex
