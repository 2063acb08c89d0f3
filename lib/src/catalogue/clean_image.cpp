#include "catalogue/clean_image.hpp"

#include <nlohmann/json.hpp>

#include <unordered_set>

#include "index/unit_vector.hpp"
#include "io/file_checksum.hpp"
#include "picdex/embedder.hpp"
#include "picdex/error.hpp"

namespace picdex::catalogue {
namespace {

std::string bytes(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

}  // namespace

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

}  // namespace picdex::catalogue
