// Search: nearest captions from the graph, grouped into images, widened until k images;
// by caption words (FTS5); or both, fused by rank.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_map>

#include "catalogue/impl.hpp"
#include "index/unit_vector.hpp"
#include "picdex/error.hpp"
#include "store/keywords.hpp"
#include "store/where.hpp"

namespace picdex {
namespace {

// Keeps the first (best) caption of each image, in order, up to k images (of `only`).
void group(const std::vector<index::Neighbor>& captions, const index::HitRows& rows, std::size_t k,
           const store::MatchingImages* only, std::vector<BestCaption>& out) {
  out.clear();
  for (const auto& n : captions) {
    const auto image = rows.image_of(n.label);
    if (image == 0 || (only && !only->contains(image))) continue;
    if (std::any_of(out.begin(), out.end(), [&](const BestCaption& b) { return b.image == image; }))
      continue;
    out.push_back({image, n});
    if (out.size() == k) return;
  }
}

// The best caption of each of the k images whose captions best match the words of `text`
// (BM25; only captions sharing a word), best first, scored by cosine with `query`.
std::vector<BestCaption> keyword_images(store::Rows& rows, std::string_view text,
                                        std::span<const float> query, std::size_t k,
                                        const store::MatchingImages* only) {
  const std::size_t target = only ? std::min(k, only->size()) : k;
  std::vector<BestCaption> out;
  std::vector<float> vec(query.size());
  for (std::size_t limit = 4 * k;; limit *= 4) {
    out.clear();
    const auto seen = store::keyword_captions(
        rows.database(), text, limit,
        [&](std::int64_t caption, std::int64_t image, std::span<const std::byte> blob) {
          if (out.size() == k || (only && !only->contains(image)) ||
              std::any_of(out.begin(), out.end(),
                          [&](const BestCaption& b) { return b.image == image; }))
            return;
          if (blob.size() != vec.size() * sizeof(float))
            throw FormatError("caption " + std::to_string(caption) +
                              " has a vector of the wrong dimension");
          std::memcpy(vec.data(), blob.data(), blob.size());  // blobs need not be aligned
          out.push_back(
              {image,
               {caption, std::inner_product(query.begin(), query.end(), vec.begin(), 0.0f)}});
        });
    if (out.size() >= target || seen < limit) return out;
  }
}

// Reciprocal rank fusion (Cormack, Clarke and Buettcher, 2009): an image scores the sum of
// 1 / (60 + rank) over the lists it is in. Ties go to the better cosine. Each image keeps
// its best-scoring caption from either list.
std::vector<BestCaption> fuse(const std::vector<BestCaption>& a, const std::vector<BestCaption>& b,
                              std::size_t k) {
  constexpr double kRankOffset = 60;
  struct Fused {
    double sum = 0;
    BestCaption best{0, {0, -2.0f}};
  };
  std::unordered_map<std::int64_t, Fused> by_image;
  for (const auto* list : {&a, &b})
    for (std::size_t rank = 0; rank < list->size(); ++rank) {
      const auto& entry = (*list)[rank];
      auto& fused = by_image[entry.image];
      fused.sum += 1.0 / (kRankOffset + static_cast<double>(rank + 1));
      if (entry.caption.score > fused.best.caption.score) fused.best = entry;
    }
  std::vector<const Fused*> order;
  for (const auto& [image, fused] : by_image) order.push_back(&fused);
  std::sort(order.begin(), order.end(), [](const Fused* x, const Fused* y) {
    if (x->sum != y->sum) return x->sum > y->sum;
    if (x->best.caption.score != y->best.caption.score)
      return x->best.caption.score > y->best.caption.score;
    return x->best.image < y->best.image;
  });
  std::vector<BestCaption> out;
  for (std::size_t i = 0; i < std::min(k, order.size()); ++i) out.push_back(order[i]->best);
  return out;
}

}  // namespace

void Catalogue::Impl::catch_up() {
  Lock graph_lock(graph_mutex);
  with_reader([&](store::Rows& rows) {
    graph_mutex.held();
    sync_graph(rows);
    return 0;
  });
}

std::shared_ptr<const store::MatchingImages> Catalogue::Impl::cached_matches(
    const std::vector<Condition>& where, std::int64_t seq) const {
  std::lock_guard lock(matches_mutex);
  return matches.seq == seq && matches.where == where ? matches.images : nullptr;
}

void Catalogue::Impl::cache_matches(const std::vector<Condition>& where, std::int64_t seq,
                                    std::shared_ptr<const store::MatchingImages> images) const {
  std::lock_guard lock(matches_mutex);
  matches = {where, seq, std::move(images)};
}

std::vector<Hit> Catalogue::Impl::search(std::span<const float> raw, const SearchOptions& options,
                                         std::string_view text) {
  const auto query = index::unit_vector(raw, shape.dim, "query vector");
  if (options.mode != SearchMode::vector && text.empty())
    throw InputError("keyword and hybrid search need a query text");
  if (options.k == 0) return {};
  const std::size_t ef = options.ef ? options.ef : ef_search;
  const bool filtered = !options.where.empty();
  const bool by_words = options.mode != SearchMode::vector;
  const std::size_t wanted = options.k + options.offset;
  // Hybrid search fuses two lists this deep (or deeper, for deep pages).
  const std::size_t depth =
      options.mode == SearchMode::hybrid ? std::max(wanted, kFusionDepth) : wanted;

  // The graph and the hit rows hold the changes up to applied_seq. Unless the beacon shows
  // that no process has committed since the last check, one indexed read tells whether
  // others have committed more; if so, catch up first. Under a stream of such writes,
  // after a few tries answer from the state caught up to. What else a search reads from
  // SQLite (the images its filter matches, the captions its words match) comes from one
  // read at a known seq, and is used only with a graph at that same seq.
  for (int attempt = 1;; ++attempt) {
    const auto signal = beacon.read();  // before the check: a later commit changes it
    const bool quiet = !filtered && !by_words && store::ChangeBeacon::quiet(signal) &&
                       signal == quiet_beacon.load();
    std::int64_t latest = 0;
    std::shared_ptr<const store::MatchingImages> matching;
    std::vector<BestCaption> by_keyword;
    if (!quiet) latest = with_reader([](store::Rows& rows) { return rows.last_seq(); });
    if (filtered) matching = cached_matches(options.where, latest);
    if ((filtered && !matching) || by_words)
      with_reader([&](store::Rows& rows) {
        SQLite::Transaction read(rows.database());  // one state for everything read here
        latest = rows.last_seq();
        if (filtered && !matching) {
          matching = std::make_shared<const store::MatchingImages>(
              store::match_images(rows.database(), options.where));
          cache_matches(options.where, latest, matching);
        }
        if (by_words) by_keyword = keyword_images(rows, text, query, depth, matching.get());
        return 0;
      });
    SharedLock graph_lock(graph_mutex);
    if (latest != applied_seq && !quiet && attempt < 4) {
      const bool behind = latest > applied_seq;  // read while still locked
      graph_lock.unlock();
      if (behind) catch_up();
      continue;
    }
    if (!quiet && latest <= applied_seq && store::ChangeBeacon::quiet(signal))
      quiet_beacon = signal;

    const std::vector<BestCaption>* ranked = &by_keyword;
    std::vector<BestCaption> fused;
    if (options.mode == SearchMode::vector) {
      ranked = &nearest_images(query, wanted, ef, matching.get());
    } else if (options.mode == SearchMode::hybrid) {
      fused = fuse(nearest_images(query, depth, ef, matching.get()), by_keyword, wanted);
      ranked = &fused;
    }
    std::vector<Hit> hits;
    hits.reserve(ranked->size() > options.offset ? ranked->size() - options.offset : 0);
    for (std::size_t i = options.offset; i < ranked->size(); ++i) {
      const auto& b = (*ranked)[i];
      if (b.caption.score < options.min_score) continue;
      if (const auto row = hit_rows.row(b.caption.label))
        hits.push_back({std::string(row->uri), b.caption.score, std::string(row->text),
                        std::string(row->metadata)});
    }
    return hits;
  }
}

const std::vector<BestCaption>& Catalogue::Impl::nearest_images(
    std::span<const float> query, std::size_t k, std::size_t ef,
    const store::MatchingImages* only) const {
  thread_local std::vector<index::Neighbor> captions;
  thread_local std::vector<BestCaption> best;
  const std::size_t live = graph->live();
  const std::size_t target = only ? std::min(k, only->size()) : k;
  const double fraction = only ? only->fraction() : 1.0;
  auto scan = [&] {
    graph_mutex.held_shared();
    if (!only) return group(graph->exact(query, live), hit_rows, k, nullptr, best);
    const auto keep = [&](std::int64_t label) {
      graph_mutex.held_shared();
      return only->contains(hit_rows.image_of(label));
    };
    group(graph->exact(query, live, keep), hit_rows, k, only, best);
  };
  best.clear();
  if (target == 0) return best;
  // A few matching captions: score them all. Cheaper than a graph search that has to
  // pass over many non-matching ones, and exact.
  if (only && (fraction <= kScanBelowFraction || fraction * static_cast<double>(live) <=
                                                     4.0 * static_cast<double>(std::max(ef, k)))) {
    scan();
    return best;
  }
  // Ask for as many captions as should hold k matching images (k when every image has one
  // caption and all match), then widen. A filtered search searches twice as broadly as
  // it asks: its matches may lie anywhere among the n (recall@10 0.97-0.98 with the
  // breadth n, 0.99 with 2n, in tests/filter_test.cpp).
  for (auto n = static_cast<std::size_t>(std::ceil(static_cast<double>(k) / fraction));; n *= 4) {
    if (n >= live) {
      scan();
      break;
    }
    graph->search(query, n, std::max(ef, only ? 2 * n : n), captions);
    group(captions, hit_rows, k, only, best);
    if (best.size() == target) break;
  }
  return best;
}

std::vector<Hit> Catalogue::search(std::string_view text, const SearchOptions& options) const {
  std::vector<float> query(impl_->embedder->dim());
  impl_->embedder->embed(text, query);
  return impl_->search(query, options, text);
}

std::vector<Hit> Catalogue::search(std::span<const float> vector,
                                   const SearchOptions& options) const {
  return impl_->search(vector, options);
}

}  // namespace picdex
