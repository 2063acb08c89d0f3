// The vectors a batch of images needs, embedded before SQLite's write lock is taken:
// each caption text its image does not store yet (once per text) and each new or
// changed picture. The transaction decides again what is new (another process may have
// written meanwhile); what it needs beyond these is embedded on the spot.
#pragma once

#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalogue/clean_image.hpp"
#include "picdex/embedder.hpp"
#include "store/tables.hpp"

namespace picdex::catalogue {

class AheadEmbeddings {
 public:
  // Embeds on `threads` threads. An InputError names the image and caption (or picture)
  // that failed.
  AheadEmbeddings(const Embedder& embedder, std::span<const CleanImage> batch,
                  store::Tables& tables, unsigned threads);

  // The vector of a caption text, and of an image's picture; valid until the next call.
  std::span<const float> caption(std::string_view text);
  std::span<const float> picture(const CleanImage& image);

 private:
  std::vector<float> embed_pictures(const std::vector<const CleanImage*>& images) const;

  const Embedder& embedder_;
  unsigned threads_;
  std::vector<float> captions_, pictures_;  // dim() numbers per text, per picture
  std::unordered_map<std::string_view, std::span<const float>> by_text_;
  std::unordered_map<const CleanImage*, std::span<const float>> by_image_;
  std::vector<float> straggler_, picture_straggler_;
};

}  // namespace picdex::catalogue
