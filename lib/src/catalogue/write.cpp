// Writes: put (upsert by URI) and remove: each validated, embedded, one SQLite
// transaction, committed through the replica.
#include <unordered_map>

#include "catalogue/ahead_embeddings.hpp"
#include "catalogue/clean_image.hpp"
#include "catalogue/impl.hpp"

namespace picdex {

using catalogue::CleanImage;
using catalogue::same_caption;
using catalogue::same_captions;
using catalogue::same_picture;

PutResult Catalogue::Impl::put(std::span<const Image> images, const std::function<void()>& stored) {
  refuse_if_read_only();  // before the work of validating
  std::vector<CleanImage> batch;
  batch.reserve(images.size());
  for (const auto& image : images)
    batch.push_back(catalogue::clean(image, external_vectors_, embedder(), options_.limits));

  WriterLock write_lock(*this);
  // Opening replays the log, which must hold only committed changes: open it before the
  // transaction.
  replica_held();
  return store::guarded(path_.string(), [&] {
    write_mutex_.held();
    auto& tables = *tables_;
    // (A catalogue of external vectors embeds nothing.)
    catalogue::AheadEmbeddings ahead(this->embedder(),
                                     external_vectors_ ? std::span<const CleanImage>() : batch,
                                     tables, threads_);
    PutResult result;
    std::int64_t first_new_caption = 0;
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    for (const auto& image : batch) {
      const auto row = tables.find_image(image.source->uri, external_vectors_);
      if (row && row->metadata == image.metadata && same_captions(*row, image) &&
          same_picture(*row, image)) {
        ++result.unchanged;
        continue;
      }
      std::int64_t image_id;
      if (row) {
        image_id = row->id;
        if (row->metadata != image.metadata) tables.update_metadata(image_id, image.metadata);
        ++result.updated;
      } else {
        image_id = tables.insert_image(image.source->uri, image.metadata);
        ++result.added;
      }
      // Keep caption rows that stay (no new vector), drop the rest, add the new.
      std::unordered_map<std::string_view, const store::CaptionRow*> existing;
      if (row)
        for (const auto& c : row->captions) existing.emplace(c.text, &c);
      for (std::size_t pos = 0; pos < image.captions.size(); ++pos) {
        const auto text = image.captions[pos];
        if (auto it = existing.find(text);
            it != existing.end() && same_caption(*it->second, image, pos)) {
          tables.move_caption(it->second->id, static_cast<int>(pos));
          existing.erase(it);
        } else {
          const auto id = tables.insert_caption(
              image_id, static_cast<int>(pos), text,
              external_vectors_ ? std::span<const float>(image.vectors[pos]) : ahead.caption(text));
          if (!first_new_caption) first_new_caption = id;  // ids only grow
        }
      }
      for (const auto& [text, caption] : existing) tables.delete_caption(caption->id);
      if (!row || !same_picture(*row, image)) {
        if (row && row->picture) tables.delete_caption(row->picture->caption_id);
        if (!image.source->picture.empty()) {
          const auto id = tables.insert_picture(image_id, image.source->picture,
                                                image.picture_checksum, ahead.picture(image));
          if (!first_new_caption) first_new_caption = id;
        }
      }
    }
    if (first_new_caption) tables.index_keywords_from(first_new_caption);
    if (stored)
      commit(tx, write_lock, stored);
    else
      commit(tx);
    return result;
  });
}

bool Catalogue::Impl::remove(std::string_view uri) {
  WriterLock write_lock(*this);
  // Opening replays the log, which must hold only committed changes: open it before the
  // transaction.
  replica_held();
  return store::guarded(path_.string(), [&] {
    write_mutex_.held();
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    const auto row = tables_->find_image(uri);
    if (!row) return false;
    tables_->delete_image(*row);
    commit(tx);
    return true;
  });
}

void Catalogue::Impl::commit(SQLite::Transaction& tx) {
  upkeep(replica_held().commit(tx, *tables_, {}, options_.compact_above));
}

// (The analysis cannot follow the lock let go inside the callback.)
void Catalogue::Impl::commit(SQLite::Transaction& tx, WriterLock& lock,
                             const std::function<void()>& stored) PICDEX_NO_THREAD_SAFETY_ANALYSIS {
  auto& replica = replica_held();  // (open: taken while the writer is held)
  const auto due = replica.commit(
      tx, *tables_,
      [&]() PICDEX_NO_THREAD_SAFETY_ANALYSIS {
        lock.unlock();
        stored();
      },
      options_.compact_above);
  if (due.save && !due.compact) {
    // The snapshot is written before the writer is taken again, so that the next batch
    // stores meanwhile; only its record needs the writer.
    auto written = replica.write_if_due(/*closing=*/false);
    lock.relock();
    if (written) replica.record(*tables_, std::move(*written));
    return;
  }
  lock.relock();
  upkeep(due);
}

void Catalogue::Impl::upkeep(const replica::Replica::Upkeep& due) {
  auto& replica = replica_held();
  if (due.compact) {
    replica.rebuild(*tables_);
    // Cheap where the file was created with auto_vacuum = incremental (every catalogue
    // this build creates); a no-op otherwise, where compact() does the full rewrite.
    store::guarded(path_.string(), [&] {
      write_mutex_.held();
      db_->exec("PRAGMA incremental_vacuum");
    });
  }
  if (due.save) replica.save_if_due(*tables_, /*closing=*/false);
}

PutResult Catalogue::put(const Image& image) {
  return impl_->put({&image, 1});
}
PutResult Catalogue::put(std::span<const Image> images) {
  return impl_->put(images);
}
PutResult Catalogue::put(std::span<const Image> images, const std::function<void()>& stored) {
  return impl_->put(images, stored);
}
bool Catalogue::remove(std::string_view uri) {
  return impl_->remove(uri);
}

}  // namespace picdex
