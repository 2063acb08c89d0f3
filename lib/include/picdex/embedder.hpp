// Text embedders: map a caption or query to a unit vector. A catalogue is bound to one
// embedder by its spec string; the same spec must give the same vectors on every machine.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace picdex {

// How a search shows a hit's score: scale · (query · stored vector) + offset. An affine
// map with a positive scale, so it never reorders hits of one query.
struct ScoreMap {
  float scale = 1.0f, offset = 0.0f;
  float operator()(float inner_product) const { return scale * inner_product + offset; }
  // The inner product a shown score stands for (to filter by min_score where the inner
  // product is computed, as in an engine).
  float inner_product_of(float shown) const { return (shown - offset) / scale; }
  bool identity() const { return scale == 1.0f && offset == 0.0f; }
};

class Embedder {
 public:
  virtual ~Embedder() = default;
  // Identifies the embedder, its version and parameters, e.g. "lexical-v1:dim=512".
  virtual std::string spec() const = 0;
  virtual std::size_t dim() const = 0;
  // Writes an L2-normalised vector of dim() floats to `out`. Throws InputError when the
  // text has nothing to embed (no words).
  virtual void embed(std::string_view text, std::span<float> out) const = 0;
  // The vector a search for `text` uses. Most embedders embed queries and captions alike
  // (the default calls embed()); learned-v3 adds a density term to stored captions that
  // only their inner product with a query's form accounts for.
  virtual void embed_query(std::string_view text, std::span<float> out) const { embed(text, out); }
  // How searches with `query` (embed_query's output) show their hits' scores. The
  // identity where the inner product is the cosine (every embedder but learned-v3, whose
  // map shows the cosine corrected by the caption's density less the query's: a caption
  // searched for by its own text scores 1).
  virtual ScoreMap score_map(std::span<const float> query) const {
    (void)query;
    return {};
  }

  // Embedders that run a neural network gain from embedding many texts in one call;
  // they return true here and implement embed_batch. Others are called text by text.
  virtual bool batches() const { return false; }
  // texts.size() * dim() floats to `out`, using up to `threads` threads (0: all cores).
  // The default calls embed() for each text.
  virtual void embed_batch(std::span<const std::string_view> texts, std::span<float> out,
                           unsigned threads) const;

  // Whether images' pixels embed into the space of the texts (CLIP does).
  virtual bool embeds_images() const { return false; }
  // files.size() * dim() floats to `out`, one unit vector per JPEG or PNG file. Throws
  // InputError naming the first file that cannot be read; the default always throws.
  virtual void embed_images(std::span<const std::filesystem::path> files, std::span<float> out,
                            unsigned threads) const;
};

// Builds an embedder from a spec: "lexical" (defaults) or a full spec as stored in a
// catalogue, such as "lexical-v1:dim=512"; "clip:MODEL.pt" in builds with CLIP. Throws
// InputError for an unknown spec.
std::unique_ptr<Embedder> make_embedder(std::string_view spec);

}  // namespace picdex
