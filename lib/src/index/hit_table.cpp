#include "index/hit_table.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace picdex::index {
namespace {

bool inside(std::uint64_t at, std::uint64_t bytes, std::size_t arena) {
  return at <= arena && bytes <= arena - at;
}

}  // namespace

std::optional<HitTable::Entry> HitTable::entry(std::int64_t caption) const {
  const auto image = image_of(caption);
  if (image <= 0 || static_cast<std::size_t>(image) >= images_.size()) return std::nullopt;
  const auto& c = captions_[static_cast<std::size_t>(caption)];
  const auto& i = images_[static_cast<std::size_t>(image)];
  return Entry{uri(i), text(c), metadata(i)};
}

void HitTable::put(std::int64_t caption, std::int64_t image, std::string_view text,
                   std::string_view uri, std::string_view metadata) {
  const auto c = static_cast<std::size_t>(caption), i = static_cast<std::size_t>(image);
  if (caption < 0 || image <= 0) throw std::invalid_argument("HitTable::put: invalid id");
  if (c >= captions_.size()) captions_.resize(std::max(c + 1, captions_.size() * 2));
  if (i >= images_.size()) images_.resize(std::max(i + 1, images_.size() * 2));
  auto& slot = captions_[c];
  if (slot.image != image || this->text(slot) != text)
    slot = {image, texts_.append(text), text.size()};
  auto& is = images_[i];
  if (this->uri(is) != uri || this->metadata(is) != metadata) {
    if (uri.size() > UINT32_MAX || metadata.size() > UINT32_MAX)
      throw std::invalid_argument("HitTable::put: an image's text is too long");
    is.at = image_texts_.append(uri);
    image_texts_.append(metadata);
    is.uri_bytes = static_cast<std::uint32_t>(uri.size());
    is.metadata_bytes = static_cast<std::uint32_t>(metadata.size());
  }
}

void HitTable::remove(std::int64_t caption) {
  if (caption >= 0 && static_cast<std::size_t>(caption) < captions_.size())
    captions_[static_cast<std::size_t>(caption)] = {};
}

HitTable HitTable::compacted() const {
  HitTable out;
  // Sized exactly, so put() does not grow them: no empty slots past the last live one.
  std::size_t captions = 0, images = 0;
  for (std::size_t c = 0; c < captions_.size(); ++c)
    if (entry(static_cast<std::int64_t>(c))) {
      captions = c + 1;
      images = std::max(images, static_cast<std::size_t>(captions_[c].image) + 1);
    }
  out.captions_.resize(captions);
  out.images_.resize(images);
  for (std::size_t c = 0; c < captions_.size(); ++c)
    if (const auto r = entry(static_cast<std::int64_t>(c)))
      out.put(static_cast<std::int64_t>(c), captions_[c].image, r->text, r->uri, r->metadata);
  return out;
}

HitTable HitTable::from_tables(LargeVector<Caption> captions, TextArena texts,
                               LargeVector<Image> images, TextArena image_texts) {
  for (const auto& c : captions)
    if (c.image < 0 || (c.image > 0 && (static_cast<std::size_t>(c.image) >= images.size() ||
                                        !inside(c.text_at, c.text_bytes, texts.size()))))
      throw std::runtime_error("a caption's row points outside its table");
  for (const auto& i : images)
    if (!inside(i.at, std::uint64_t{i.uri_bytes} + i.metadata_bytes, image_texts.size()))
      throw std::runtime_error("an image's row points outside its table");
  HitTable out;
  out.captions_ = std::move(captions);
  out.texts_ = std::move(texts);
  out.images_ = std::move(images);
  out.image_texts_ = std::move(image_texts);
  return out;
}

}  // namespace picdex::index
