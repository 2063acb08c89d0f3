// Writes: put (upsert by URI) and remove: each validated, embedded, one SQLite
// transaction, committed through the replica.
#include <nlohmann/json.hpp>

#include <unordered_map>
#include <unordered_set>

#include "catalogue/impl.hpp"
#include "embed/batch.hpp"
#include "fault/failpoint.hpp"
#include "index/unit_vector.hpp"
#include "io/file_checksum.hpp"
#include "picdex/error.hpp"

namespace picdex {
namespace {

// An image checked and put in canonical form: captions unique, metadata compact JSON
// with sorted keys (so equal metadata compares equal as text).
struct CleanImage {
  const Image* source;
  std::vector<std::string_view> captions;
  std::string metadata;
  std::vector<std::vector<float>> vectors;  // unit length, one per caption, when external
  std::string picture_checksum;             // of image.picture's file, when it has one
};

std::string bytes(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

// `external`: the catalogue takes its vectors from the caller ("none" embedder).
CleanImage clean(const Image& image, bool external, const Embedder& embedder,
                 const Limits& limits) {
  const auto refuse = [&](std::string field, const std::string& problem, std::size_t caption = 0) {
    return InputError({.uri = image.uri, .field = std::move(field), .caption = caption}, problem);
  };
  if (image.uri.empty()) throw refuse("uri", "is empty");
  if (external && image.vectors.size() != image.captions.size())
    throw refuse("vectors", std::to_string(image.vectors.size()) + " for " +
                                std::to_string(image.captions.size()) +
                                " captions; this catalogue (" + embedder.spec() +
                                ") needs one vector per caption");
  if (!external && !image.vectors.empty())
    throw refuse("vectors", "this catalogue embeds its captions itself (" + embedder.spec() +
                                "); vectors are for catalogues created with --embedder none");
  CleanImage out{&image, {}, {}, {}, {}};
  if (!image.picture.empty()) {
    if (!embedder.embeds_images())
      throw refuse("image", "this catalogue's embedder (" + embedder.spec() +
                                ") embeds text only; pictures need a CLIP catalogue (--embedder "
                                "clip:MODEL)");
    try {
      out.picture_checksum = io::file_checksum(image.picture);
    } catch (const NotFoundError& e) {
      throw refuse("image", e.what());
    }
  }
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < image.captions.size(); ++i) {
    const auto& c = image.captions[i];
    const auto caption = "caption " + std::to_string(i + 1);
    if (c.find_first_not_of(" \t\r\n") == std::string::npos)
      throw refuse(caption, "is empty", i + 1);
    if (c.size() > limits.max_caption_bytes)
      throw refuse(
          caption,
          "is " + bytes(c.size()) + ", over the limit of " + bytes(limits.max_caption_bytes),
          i + 1);
    if (!seen.insert(c).second) continue;
    if (out.captions.size() == limits.max_captions)
      throw refuse("captions",
                   "more than " + std::to_string(limits.max_captions) +
                       " different ones, over the limit per image",
                   i + 1);
    out.captions.push_back(c);
    if (external) try {
        out.vectors.push_back(index::unit_vector(image.vectors[i], embedder.dim(),
                                                 "vector " + std::to_string(i + 1)));
      } catch (const InputError& e) {
        throw e.within({.uri = image.uri, .caption = i + 1});
      }
  }
  if (out.captions.empty() && image.picture.empty())
    throw refuse("captions", std::string("an image needs at least one") +
                                 (embedder.embeds_images() ? " (or a picture)" : ""));
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(image.metadata.empty() ? "{}" : image.metadata);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 13: syntax
    // error while parsing object - unexpected end of input; expected '}'": its reason only.
    const std::string what = e.what();
    const auto dash = what.rfind(" - ");
    throw refuse("metadata", "is not valid JSON: " +
                                 (dash == std::string::npos ? what : what.substr(dash + 3)) +
                                 " (at character " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception&) {  // a number out of range
    throw refuse("metadata", "is not valid JSON: a number out of range");
  }
  if (!meta.is_object()) throw refuse("metadata", "must be a JSON object");
  out.metadata = meta.dump();
  return out;
}

// Caption `pos` of `image` is stored as `row` already: same text (and, for external
// vectors, the same vector).
bool same_caption(const store::CaptionRow& row, const CleanImage& image, std::size_t pos) {
  return row.text == image.captions[pos] &&
         (image.vectors.empty() || row.vec == image.vectors[pos]);
}

bool same_picture(const store::ImageRow& row, const CleanImage& image) {
  if (!row.picture) return image.source->picture.empty();
  return row.picture->file == image.source->picture &&
         row.picture->checksum == image.picture_checksum;
}

bool same_captions(const store::ImageRow& row, const CleanImage& image) {
  if (row.captions.size() != image.captions.size()) return false;
  for (std::size_t i = 0; i < row.captions.size(); ++i)
    if (!same_caption(row.captions[i], image, i)) return false;
  return true;
}

}  // namespace

PutResult Catalogue::Impl::put(std::span<const Image> images, const std::function<void()>& stored) {
  refuse_if_read_only();  // before the work of validating
  std::vector<CleanImage> batch;
  batch.reserve(images.size());
  for (const auto& image : images)
    batch.push_back(clean(image, external_vectors_, embedder(), options_.limits));

  WriterLock write_lock(*this);
  // Opening replays the log, which must hold only committed changes: open it before the
  // transaction.
  replica_held();
  return store::guarded(path_.string(), [&] {
    write_mutex_.held();
    auto& tables = *tables_;
    // Embed what is new before taking SQLite's write lock; the transaction below decides
    // again (another process may have written meanwhile) and embeds any stragglers.
    std::vector<std::string_view> texts;
    std::vector<std::pair<const CleanImage*, std::size_t>> origin;  // for error messages
    std::vector<const CleanImage*> pictured;  // images whose picture is new or changed
    if (!external_vectors_) {
      std::unordered_set<std::string_view> queued;
      for (const auto& image : batch) {
        const auto row = tables.find_image(image.source->uri);
        if (!image.source->picture.empty() && (!row || !same_picture(*row, image)))
          pictured.push_back(&image);
        std::unordered_set<std::string_view> known;
        if (row)
          for (const auto& c : row->captions) known.insert(c.text);
        for (std::size_t i = 0; i < image.captions.size(); ++i) {
          const auto text = image.captions[i];
          if (!known.count(text) && queued.insert(text).second) {
            texts.push_back(text);
            origin.push_back({&image, i});
          }
        }
      }
    }
    const auto& embedder = this->embedder();
    const auto dim = embedder.dim();
    const auto vectors = embed::embed_all(embedder, texts, threads_, [&](std::size_t i) {
      const auto caption = origin[i].second + 1;
      return InputPlace{.uri = origin[i].first->source->uri,
                        .field = "caption " + std::to_string(caption),
                        .caption = caption};
    });
    std::unordered_map<std::string_view, std::span<const float>> embedded;
    for (std::size_t i = 0; i < texts.size(); ++i)
      embedded.emplace(texts[i], std::span<const float>(vectors.data() + i * dim, dim));
    std::vector<float> straggler(dim);
    auto vector_of = [&](std::string_view text) -> std::span<const float> {
      if (auto it = embedded.find(text); it != embedded.end()) return it->second;
      embedder.embed(text, straggler);
      return straggler;
    };
    // The pictures likewise. An unreadable file is an InputError naming its image.
    auto embed_pictures = [&](const std::vector<const CleanImage*>& images) {
      std::vector<std::filesystem::path> files;
      for (const auto* image : images) files.emplace_back(image->source->picture);
      std::vector<float> out(files.size() * dim);
      try {
        embedder.embed_images(files, out, threads_);
      } catch (const InputError& e) {
        // The embedder names the picture file that failed: say which image it is.
        for (const auto* image : images) {
          const auto& file = image->source->picture;
          if (e.place().file == file)
            throw InputError({.uri = image->source->uri, .field = "image"},
                             file == image->source->uri ? e.problem() : file + ": " + e.problem());
        }
        throw;
      }
      return out;
    };
    const auto picture_vectors = embed_pictures(pictured);
    std::unordered_map<const CleanImage*, std::span<const float>> picture_embedded;
    for (std::size_t i = 0; i < pictured.size(); ++i)
      picture_embedded.emplace(pictured[i], std::span(picture_vectors).subspan(i * dim, dim));
    std::vector<float> picture_straggler;
    auto picture_vector_of = [&](const CleanImage& image) -> std::span<const float> {
      if (auto it = picture_embedded.find(&image); it != picture_embedded.end()) return it->second;
      picture_straggler = embed_pictures({&image});
      return picture_straggler;
    };

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
              external_vectors_ ? std::span<const float>(image.vectors[pos]) : vector_of(text));
          if (!first_new_caption) first_new_caption = id;  // ids only grow
        }
      }
      for (const auto& [text, caption] : existing) tables.delete_caption(caption->id);
      if (!row || !same_picture(*row, image)) {
        if (row && row->picture) tables.delete_caption(row->picture->caption_id);
        if (!image.source->picture.empty()) {
          const auto id = tables.insert_picture(image_id, image.source->picture,
                                                image.picture_checksum, picture_vector_of(image));
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
