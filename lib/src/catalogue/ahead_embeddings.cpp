#include "catalogue/ahead_embeddings.hpp"

#include <filesystem>
#include <string>
#include <unordered_set>

#include "embed/batch.hpp"
#include "picdex/error.hpp"

namespace picdex::catalogue {

AheadEmbeddings::AheadEmbeddings(const Embedder& embedder, std::span<const CleanImage> batch,
                                 store::Tables& tables, unsigned threads)
    : embedder_(embedder), threads_(threads), straggler_(embedder.dim()) {
  std::vector<std::string_view> texts;
  std::vector<std::pair<const CleanImage*, std::size_t>> origin;  // for error messages
  std::vector<const CleanImage*> pictured;  // images whose picture is new or changed
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
  const auto dim = embedder.dim();
  captions_ = embed::embed_all(embedder, texts, threads, [&](std::size_t i) {
    const auto caption = origin[i].second + 1;
    return InputPlace{.uri = origin[i].first->source->uri,
                      .field = "caption " + std::to_string(caption),
                      .caption = caption};
  });
  for (std::size_t i = 0; i < texts.size(); ++i)
    by_text_.emplace(texts[i], std::span<const float>(captions_.data() + i * dim, dim));
  pictures_ = embed_pictures(pictured);
  for (std::size_t i = 0; i < pictured.size(); ++i)
    by_image_.emplace(pictured[i], std::span<const float>(pictures_).subspan(i * dim, dim));
}

std::span<const float> AheadEmbeddings::caption(std::string_view text) {
  if (auto it = by_text_.find(text); it != by_text_.end()) return it->second;
  embedder_.embed(text, straggler_);
  return straggler_;
}

std::span<const float> AheadEmbeddings::picture(const CleanImage& image) {
  if (auto it = by_image_.find(&image); it != by_image_.end()) return it->second;
  picture_straggler_ = embed_pictures({&image});
  return picture_straggler_;
}

// An unreadable file is an InputError naming its image.
std::vector<float> AheadEmbeddings::embed_pictures(
    const std::vector<const CleanImage*>& images) const {
  std::vector<std::filesystem::path> files;
  for (const auto* image : images) files.emplace_back(image->source->picture);
  std::vector<float> out(files.size() * embedder_.dim());
  try {
    embedder_.embed_images(files, out, threads_);
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
}

}  // namespace picdex::catalogue
