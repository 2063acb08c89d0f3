// Search: by vector (the replica's nearest images), by caption words (FTS5), or both fused
// by rank; what SQLite is read for comes from one read at the seq the replica answers at.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "catalogue/impl.hpp"
#include "embed/learned.hpp"
#include "index/unit_vector.hpp"
#include "picdex/error.hpp"
#include "store/keywords.hpp"
#include "store/matching_images.hpp"
#include "store/where_diagnosis.hpp"

namespace picdex {
namespace {

// Images in the order a search ranks them, each with its best caption (scored by cosine)
// and the score that ranked it (BM25 for words, the fused sum for hybrid).
struct Ranking {
  std::vector<replica::BestCaption> images;
  std::vector<double> by;  // parallel to images
};

// The best caption of each of the k images whose captions best match the words of `text`
// (BM25; only captions sharing a word that is not a stop word), best first, scored by
// cosine with `query`; `by` holds the BM25 of the caption that ranked each image.
Ranking keyword_images(store::Tables& tables, std::string_view text, std::span<const float> query,
                       std::size_t k, const store::MatchingImages* only) {
  const std::size_t target = only ? std::min(k, only->size()) : k;
  Ranking out;
  std::vector<float> vec(query.size());
  for (std::size_t limit = 4 * k;; limit *= 4) {
    out = {};
    const auto seen = store::keyword_captions(
        tables.database(), text, limit,
        [&](std::int64_t caption, std::int64_t image, std::span<const std::byte> blob,
            double bm25) {
          if ((only && !only->contains(image)) ||
              std::any_of(out.images.begin(), out.images.end(),
                          [&](const replica::BestCaption& b) { return b.image == image; }))
            return true;
          if (blob.size() != vec.size() * sizeof(float))
            throw FormatError("caption " + std::to_string(caption) +
                              " has a vector of the wrong dimension");
          std::memcpy(vec.data(), blob.data(), blob.size());  // blobs need not be aligned
          out.images.push_back(
              {image,
               {caption, std::inner_product(query.begin(), query.end(), vec.begin(), 0.0f)}});
          out.by.push_back(bm25);
          return out.images.size() < k;
        });
    if (out.images.size() >= target || seen < limit) return out;
  }
}

// An image found by words: its caption with the best BM25.
struct WordHit {
  std::int64_t image, caption;
};

// The first `depth` images of FTS5's ranked captions (of `only`'s images, when given), each
// with its best caption, taken from the replica's hit table: no caption row is read.
std::vector<WordHit> images_by_words(const replica::Replica::View& view,
                                     const std::vector<std::int64_t>& ranked, std::size_t depth,
                                     const store::MatchingImages* only) {
  std::vector<WordHit> out;
  std::unordered_set<std::int64_t> seen;
  for (const auto caption : ranked) {
    if (out.size() == depth) break;
    const auto image = view.image_of(caption);
    if (image == 0 || (only && !only->contains(image)) || !seen.insert(image).second) continue;
    out.push_back({image, caption});
  }
  return out;
}

// Reciprocal rank fusion (Cormack, Clarke and Buettcher, 2009): an image scores the sum of
// 1 / (60 + rank) over the lists it is in. Ties go to the better cosine. Each image keeps
// its best-scoring caption from either list. Captions found by words alone are scored
// (`stored_scores`) only for the images that can still reach the top k: those whose sum is
// at least the k-th best.
Ranking fuse(
    const std::vector<replica::BestCaption>& by_vector, const std::vector<WordHit>& by_words,
    std::size_t k,
    const std::function<std::vector<float>(std::span<const std::int64_t>)>& stored_scores) {
  constexpr double kRankOffset = 60;
  auto weight = [](std::size_t rank) {
    return 1.0 / (kRankOffset + static_cast<double>(rank + 1));
  };
  struct Fused {
    double sum = 0;
    replica::BestCaption best{0, {0, -2.0f}};  // from the vector list, until scored
    std::int64_t word_caption = 0;
  };
  std::unordered_map<std::int64_t, Fused> by_image;
  for (std::size_t rank = 0; rank < by_vector.size(); ++rank) {
    auto& fused = by_image[by_vector[rank].image];
    fused.sum += weight(rank);
    fused.best = by_vector[rank];
  }
  for (std::size_t rank = 0; rank < by_words.size(); ++rank) {
    auto& fused = by_image[by_words[rank].image];
    fused.sum += weight(rank);
    fused.best.image = by_words[rank].image;
    fused.word_caption = by_words[rank].caption;
  }
  std::vector<Fused*> order;
  for (auto& [image, fused] : by_image) order.push_back(&fused);
  std::sort(order.begin(), order.end(),
            [](const Fused* x, const Fused* y) { return x->sum > y->sum; });
  // Below the k-th sum no cosine can lift an image into the top k.
  std::size_t contenders = order.size();
  if (k < order.size())
    while (contenders > k && order[contenders - 1]->sum < order[k - 1]->sum) --contenders;
  order.resize(contenders);
  std::vector<std::int64_t> to_score;
  std::vector<Fused*> scored;
  for (auto* fused : order)
    if (fused->word_caption != 0 && fused->word_caption != fused->best.caption.label) {
      to_score.push_back(fused->word_caption);
      scored.push_back(fused);
    }
  const auto scores = stored_scores(to_score);
  for (std::size_t i = 0; i < scored.size(); ++i)  // (NaN, a caption gone, never wins)
    if (scores[i] > scored[i]->best.caption.score)
      scored[i]->best.caption = {to_score[i], scores[i]};
  std::erase_if(order, [](const Fused* f) { return f->best.caption.label == 0; });
  std::sort(order.begin(), order.end(), [](const Fused* x, const Fused* y) {
    if (x->sum != y->sum) return x->sum > y->sum;
    if (x->best.caption.score != y->best.caption.score)
      return x->best.caption.score > y->best.caption.score;
    return x->best.image < y->best.image;
  });
  Ranking out;
  for (std::size_t i = 0; i < std::min(k, order.size()); ++i) {
    out.images.push_back(order[i]->best);
    out.by.push_back(order[i]->sum);
  }
  return out;
}

}  // namespace

std::shared_ptr<const store::MatchingImages> Catalogue::Impl::cached_matches(
    const std::vector<Condition>& where, std::int64_t seq) const {
  std::lock_guard lock(matches_mutex_);
  return matches_.seq == seq && matches_.where == where ? matches_.images : nullptr;
}

void Catalogue::Impl::cache_matches(const std::vector<Condition>& where, std::int64_t seq,
                                    std::shared_ptr<const store::MatchingImages> images) const {
  std::lock_guard lock(matches_mutex_);
  matches_ = {where, seq, std::move(images)};
}

std::shared_ptr<const store::MatchingImages> Catalogue::Impl::matches_at(
    store::Tables& tables, const std::vector<Condition>& where, std::int64_t seq) const {
  auto matching = cached_matches(where, seq);
  if (!matching) {
    matching = std::make_shared<const store::MatchingImages>(
        store::match_images(tables.database(), where));
    cache_matches(where, seq, matching);
  }
  return matching;
}

std::string Catalogue::Impl::why_no_image_matches(const std::vector<Condition>& where) const {
  if (where.empty()) return "";
  return with_reader([&](store::Tables& tables) -> std::string {
    SQLite::Transaction in_one_state(tables.database());
    // The images found are kept for the searches that follow, as a search keeps them.
    if (matches_at(tables, where, tables.last_seq())->size() > 0) return "";
    return store::why_no_image_matches(tables.database(), where);
  });
}

std::vector<Hit> Catalogue::Impl::search(std::span<const float> raw, const SearchOptions& options,
                                         std::string_view text, ScoreMap shown) {
  const auto query = index::unit_vector(raw, dim_, "query vector");
  if (options.mode != SearchMode::vector && text.empty())
    throw InputError("keyword and hybrid search need a query text");
  if (options.k == 0) return {};
  const std::size_t ef = options.ef ? options.ef : ef_search_;
  const bool filtered = !options.where.empty();
  const bool by_words = options.mode != SearchMode::vector;
  const std::size_t wanted = options.k + options.offset;
  // Hybrid search fuses two lists this deep (or deeper, for deep pages).
  const std::size_t depth =
      options.mode == SearchMode::hybrid ? std::max(wanted, kFusionDepth) : wanted;

  // The images the filter matches and the captions the words match, read at one seq:
  // the replica answers with the graph at that seq. Hybrid search reads FTS5's ranking
  // alone, finds the captions' images in the view, and widens (reading again) while
  // `word_limit` captions hold too few.
  const bool hybrid = options.mode == SearchMode::hybrid;
  std::shared_ptr<const store::MatchingImages> matching;
  Ranking by_keyword;
  std::vector<std::int64_t> ranked_words;
  std::size_t word_limit = 4 * depth;
  replica::Replica::Read read;
  if (filtered || by_words)
    read = [&](store::Tables& tables) {
      auto latest = tables.last_seq();
      matching = filtered ? cached_matches(options.where, latest) : nullptr;
      if (matching && !by_words) return latest;
      SQLite::Transaction in_one_state(tables.database());
      latest = tables.last_seq();
      if (filtered) matching = matches_at(tables, options.where, latest);
      if (hybrid)
        ranked_words = store::ranked_caption_ids(tables.database(), text, word_limit);
      else if (by_words)
        by_keyword = keyword_images(tables, text, query, depth, matching.get());
      return latest;
    };
  std::vector<Hit> hits;
  for (bool widen = true; widen; word_limit *= 4) {
    widen = false;
    replica().fresh(read, [&](const replica::Replica::View& view) {
      const Ranking* ranked = &by_keyword;
      const std::vector<replica::BestCaption>* images = &by_keyword.images;
      Ranking fused;
      if (options.mode == SearchMode::vector) {
        images = &view.nearest_images(query, wanted, ef, matching.get());  // (ranked by cosine)
        ranked = nullptr;
      } else if (hybrid) {
        const auto words = images_by_words(view, ranked_words, depth, matching.get());
        const std::size_t target = matching ? std::min(depth, matching->size()) : depth;
        if (words.size() < target && ranked_words.size() == word_limit) {
          widen = true;
          return;
        }
        fused = fuse(view.nearest_images(query, depth, ef, matching.get()), words, wanted,
                     [&](std::span<const std::int64_t> captions) {
                       return view.stored_scores(query, captions);
                     });
        ranked = &fused;
        images = &fused.images;
      }
      hits.reserve(images->size() > options.offset ? images->size() - options.offset : 0);
      for (std::size_t i = options.offset; i < images->size(); ++i) {
        const auto& b = (*images)[i];
        const float score = shown(b.caption.score);
        if (score < options.min_score && options.min_score > -1.0f) continue;
        if (const auto hit = view.hit(b.caption.label))
          hits.push_back({std::string(hit->uri), score, std::string(hit->text),
                          std::string(hit->metadata),
                          hit->is_picture() ? Embedded::picture : Embedded::caption,
                          ranked ? ranked->by[i] : score});
      }
    });
  }
  return hits;
}

const char* search_mode_name(SearchMode mode) {
  switch (mode) {
    case SearchMode::keyword:
      return "keyword";
    case SearchMode::hybrid:
      return "hybrid";
    default:
      return "vector";
  }
}

std::optional<SearchMode> search_mode_named(std::string_view name) {
  for (const auto mode : {SearchMode::vector, SearchMode::keyword, SearchMode::hybrid})
    if (name == search_mode_name(mode)) return mode;
  return std::nullopt;
}

const char* graph_precision_name(GraphPrecision precision) {
  return precision == GraphPrecision::int8 ? "int8" : "float32";
}

std::optional<GraphPrecision> graph_precision_named(std::string_view name) {
  if (name == "float32" || name == "float") return GraphPrecision::float32;
  if (name == "int8") return GraphPrecision::int8;
  return std::nullopt;
}

std::vector<Hit> Catalogue::search(std::string_view text, const SearchOptions& options) const {
  std::vector<float> query(impl_->embedder().dim());
  impl_->embedder().embed_query(text, query);
  return impl_->search(query, options, text, impl_->embedder().score_map(query));
}

std::vector<Hit> Catalogue::search(std::span<const float> vector,
                                   const SearchOptions& options) const {
  // Scores as a text search with this vector would show them. Only learned-v3 maps them;
  // other catalogues need not load their embedder for it.
  if (!embed::maps_scores(impl_->embedder_spec())) return impl_->search(vector, options);
  const auto& embedder = impl_->embedder();
  return impl_->search(
      vector, options, {},
      embedder.score_map(index::unit_vector(vector, embedder.dim(), "query vector")));
}

std::string Catalogue::why_no_image_matches(const std::vector<Condition>& where) const {
  return impl_->why_no_image_matches(where);
}

}  // namespace picdex
