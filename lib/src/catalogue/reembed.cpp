// Catalogue::reembed: every caption embedded again with another embedder in one
// transaction (all or nothing), then the graph rebuilt from the new vectors and checked.
//
// Other processes notice on their next search: they find changes to replay, see that the
// catalogue's embedder is no longer theirs (Replica::apply), and refuse until reopened. A
// crash after the commit leaves no snapshot named (the manifest is cleared in the same
// transaction), so the next open builds the graph from the new vectors.
#include <chrono>

#include "catalogue/impl.hpp"
#include "embed/batch.hpp"
#include "picdex/error.hpp"

namespace picdex {

ReembedReport Catalogue::Impl::reembed(std::string_view spec) {
  WriterLock write_lock(*this);
  auto& replica = replica_held();  // (open before verify() uses it)
  auto next = make_embedder(spec);
  ReembedReport report;
  report.from = embedder_spec_;  // even one this build cannot make: reembed moves off it
  report.to = next->spec();
  if (report.to.starts_with("none:"))
    throw InputError("reembed: embedder '" + report.to +
                     "' takes vectors from outside; choose one that embeds text");
  if (report.to == report.from) {
    report.verify = verify();
    return report;
  }
  const auto started = std::chrono::steady_clock::now();
  store::guarded(path_.string(), [&] {
    write_mutex_.held();
    auto& tables = *tables_;
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (const auto pictures = tables.count_pictures(); pictures > 0)
      throw InputError(path_.string() + ": has " + std::to_string(pictures) +
                       " pictures, which reembed cannot embed again; export the captions and "
                       "import them into a new catalogue instead");
    const auto captions = tables.caption_texts();
    constexpr std::size_t kChunk = 4096;
    std::vector<std::string_view> texts;
    for (std::size_t start = 0; start < captions.size(); start += kChunk) {
      const auto end = std::min(captions.size(), start + kChunk);
      texts.clear();
      for (auto i = start; i < end; ++i) texts.push_back(captions[i].second);
      const auto vectors = embed::embed_all(*next, texts, threads_, [&](std::size_t i) {
        return InputPlace{.field = "caption " + std::to_string(captions[start + i].first)};
      });
      for (auto i = start; i < end; ++i)
        tables.set_caption_vector(captions[i].first, std::span<const float>(vectors).subspan(
                                                         (i - start) * next->dim(), next->dim()));
      if (options_.observer.progress) options_.observer.progress(end, captions.size());
    }
    tables.set_meta(store::kMetaEmbedder, report.to);
    tables.set_meta(store::kMetaDim, std::to_string(next->dim()));
    report.captions = captions.size();
    replica.commit_reembedded(tx, tables, report.to, next->dim());
    // Committed: from here on the catalogue is the new embedder's.
    std::call_once(embedder_made_, [] {});  // the old one need never be made now
    embedder_ = std::move(next);
    embedder_spec_ = report.to;
    dim_ = embedder_->dim();
    external_vectors_ = false;
  });
  replica.rebuild(*tables_);
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.verify = verify();
  return report;
}

ReembedReport Catalogue::reembed(std::string_view embedder) {
  return impl_->reembed(embedder);
}

}  // namespace picdex
