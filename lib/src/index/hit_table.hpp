// HitTable: what a search returns for each caption (its image, its text, the image's URI
// and metadata), mirrored in memory. Like the graph it is derived from SQLite: replayed
// from the change log and saved in the graph snapshot, so a search reads its hits here
// instead of querying SQLite for them. Not synchronised (guarded like the graph).
//
// Storage is flat: fixed-size slots indexed by caption id and by image id, pointing into
// two text arenas. An arena may begin with bytes it does not own (a mapped snapshot's
// texts, read in place); changes append to its own tail. compacted() drops what is no
// longer referenced, and is what a snapshot saves.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "index/large_tables.hpp"

namespace picdex::index {

// Texts at offsets: first a borrowed base (kept alive by `owner`), then an owned tail
// that appends grow. A text never straddles the two.
class TextArena {
 public:
  TextArena() = default;
  TextArena(std::string owned) : tail_(std::move(owned)) {}  // (implicit: all its own)
  TextArena(std::string_view base, std::shared_ptr<const void> owner)
      : owner_(std::move(owner)), base_(base) {}
  std::size_t size() const { return base_.size() + tail_.size(); }
  // [at, at + bytes), which must lie inside (check with size()).
  std::string_view view(std::uint64_t at, std::uint64_t bytes) const {
    if (at < base_.size()) return base_.substr(at, bytes);
    return std::string_view(tail_).substr(at - base_.size(), bytes);
  }
  std::uint64_t append(std::string_view text) {
    const auto at = size();
    tail_.append(text);
    return at;
  }
  // Copies the base into the tail, so that the arena no longer needs its owner.
  void own() {
    if (base_.empty()) return;
    tail_.insert(0, base_);
    base_ = {};
    owner_.reset();
  }

 private:
  std::shared_ptr<const void> owner_;
  std::string_view base_;
  std::string tail_;
};

class HitTable {
 public:
  struct Caption {  // slot of a caption id; image 0 when the caption does not exist
    std::int64_t image = 0;
    std::uint64_t text_at = 0, text_bytes = 0;
  };
  struct Image {  // slot of an image id: its URI, then its metadata, from `at` in its arena
    std::uint64_t at = 0;
    std::uint32_t uri_bytes = 0, metadata_bytes = 0;  // (SQLite holds no longer text)
  };

  std::int64_t image_of(std::int64_t caption) const {
    const auto at = static_cast<std::size_t>(caption);
    return caption >= 0 && at < captions_.size() ? captions_[at].image : 0;
  }
  // The caption's text and its image's URI and metadata; nullopt if it does not exist.
  // An image's picture has an entry too, without text: a caption is never empty
  // (Catalogue::put refuses one), so that is what tells them apart, here and in snapshots.
  struct Entry {
    std::string_view uri, text, metadata;
    bool is_picture() const { return text.empty(); }
  };
  std::optional<Entry> entry(std::int64_t caption) const;

  void put(std::int64_t caption, std::int64_t image, std::string_view text, std::string_view uri,
           std::string_view metadata);
  void remove(std::int64_t caption);
  void clear() { *this = HitTable(); }
  // Holds its texts in memory of its own (a mapped snapshot's may go).
  void own_texts() {
    texts_.own();
    image_texts_.own();
  }

  // The same rows without unreferenced text or images.
  HitTable compacted() const;

  // The flat tables, for saving; and building from loaded tables, which are checked:
  // throws std::runtime_error with a one-line reason if a slot points outside its arena.
  std::span<const Caption> caption_slots() const { return captions_; }
  std::span<const Image> image_slots() const { return images_; }
  const TextArena& caption_texts() const { return texts_; }
  const TextArena& image_texts() const { return image_texts_; }
  std::string_view text(const Caption& c) const { return texts_.view(c.text_at, c.text_bytes); }
  std::string_view uri(const Image& i) const { return image_texts_.view(i.at, i.uri_bytes); }
  std::string_view metadata(const Image& i) const {
    return image_texts_.view(i.at + i.uri_bytes, i.metadata_bytes);
  }
  static HitTable from_tables(LargeVector<Caption> captions, TextArena texts,
                              LargeVector<Image> images, TextArena image_texts);

 private:
  LargeVector<Caption> captions_;  // (built as a catalogue opens: large_tables.hpp)
  TextArena texts_;
  LargeVector<Image> images_;
  TextArena image_texts_;
};

}  // namespace picdex::index
