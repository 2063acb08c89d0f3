// Images as a write sees them: checked against the catalogue's limits and embedder, and
// put in canonical form; and whether what a row stores already is what an image says.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "picdex/catalogue.hpp"
#include "store/tables.hpp"

namespace picdex::catalogue {

// An image checked and put in canonical form: captions unique, metadata compact JSON
// with sorted keys (so equal metadata compares equal as text).
struct CleanImage {
  const Image* source;
  std::vector<std::string_view> captions;
  std::string metadata;
  std::vector<std::vector<float>> vectors;  // unit length, one per caption, when external
  std::string picture_checksum;             // of image.picture's file, when it has one
};

// `image` checked (InputError naming its field otherwise) and in canonical form.
// `external`: the catalogue takes its vectors from the caller ("none" embedder).
CleanImage clean(const Image& image, bool external, const Embedder& embedder, const Limits& limits);

// Caption `pos` of `image` is stored as `row` already: same text (and, for external
// vectors, the same vector).
bool same_caption(const store::CaptionRow& row, const CleanImage& image, std::size_t pos);
// The row's picture is the image's: the same file with the same checksum, or none.
bool same_picture(const store::ImageRow& row, const CleanImage& image);
// The row holds the image's captions, in its order.
bool same_captions(const store::ImageRow& row, const CleanImage& image);

}  // namespace picdex::catalogue
