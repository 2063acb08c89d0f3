// Search: nearest captions from the graph, grouped into images, widened until k images.
#include <algorithm>
#include <cmath>

#include "catalogue/impl.hpp"
#include "index/unit_vector.hpp"
#include "picdex/error.hpp"
#include "store/where.hpp"

namespace picdex {
namespace {

// Keeps the first (best) caption of each image, in order, up to k images (of `only`).
void group(const std::vector<index::Neighbor>& captions, const index::HitRows& rows, std::size_t k,
           const ImageSet* only, std::vector<BestCaption>& out) {
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

}  // namespace

void Catalogue::Impl::catch_up() {
  std::unique_lock graph_lock(graph_mutex);
  with_reader([&](store::Rows& rows) {
    sync_graph(rows);
    return 0;
  });
}

std::shared_ptr<const ImageSet> Catalogue::Impl::cached_matches(const std::vector<Condition>& where,
                                                                std::int64_t seq) const {
  std::lock_guard lock(matches_mutex);
  return matches.seq == seq && matches.where == where ? matches.images : nullptr;
}

void Catalogue::Impl::cache_matches(const std::vector<Condition>& where, std::int64_t seq,
                                    std::shared_ptr<const ImageSet> images) const {
  std::lock_guard lock(matches_mutex);
  matches = {where, seq, std::move(images)};
}

std::vector<Hit> Catalogue::Impl::search(std::span<const float> raw, const SearchOptions& options) {
  const auto query = index::unit_vector(raw, shape.dim, "query vector");
  if (options.k == 0) return {};
  const std::size_t ef = options.ef ? options.ef : ef_search;
  const bool filtered = !options.where.empty();

  // The graph and the hit rows hold the changes up to applied_seq. Unless the beacon shows
  // that no process has committed since the last check, one indexed read tells whether
  // others have committed more; if so, catch up first. Under a stream of such writes,
  // after a few tries answer from the state caught up to. A filtered search reads the
  // matching images in the same read, and uses them only with a graph at that same state.
  for (int attempt = 1;; ++attempt) {
    const auto signal = beacon.read();  // before the check: a later commit changes it
    const bool quiet =
        !filtered && store::ChangeBeacon::quiet(signal) && signal == quiet_beacon.load();
    std::int64_t latest = 0;
    std::shared_ptr<const ImageSet> matching;
    if (!quiet) latest = with_reader([](store::Rows& rows) { return rows.last_seq(); });
    if (filtered && !(matching = cached_matches(options.where, latest)))
      with_reader([&](store::Rows& rows) {
        SQLite::Transaction read(rows.database());  // the matches as of `latest`
        latest = rows.last_seq();
        matching =
            std::make_shared<const ImageSet>(store::match_images(rows.database(), options.where));
        cache_matches(options.where, latest, matching);
        return 0;
      });
    std::shared_lock graph_lock(graph_mutex);
    if (latest != applied_seq && !quiet && attempt < 4) {
      graph_lock.unlock();
      if (latest > applied_seq) catch_up();
      continue;
    }
    if (!quiet && latest <= applied_seq && store::ChangeBeacon::quiet(signal))
      quiet_beacon = signal;
    std::vector<Hit> hits;
    const auto& best = nearest_images(query, options.k + options.offset, ef, matching.get());
    for (std::size_t i = options.offset; i < best.size(); ++i) {
      const auto& b = best[i];
      if (b.caption.score < options.min_score) break;
      if (const auto row = hit_rows.row(b.caption.label))
        hits.push_back({std::string(row->uri), b.caption.score, std::string(row->text),
                        std::string(row->metadata)});
    }
    return hits;
  }
}

const std::vector<BestCaption>& Catalogue::Impl::nearest_images(std::span<const float> query,
                                                                std::size_t k, std::size_t ef,
                                                                const ImageSet* only) const {
  thread_local std::vector<index::Neighbor> captions;
  thread_local std::vector<BestCaption> best;
  const std::size_t live = graph->live();
  const std::size_t target = only ? std::min(k, only->size()) : k;
  const double fraction = only ? only->fraction() : 1.0;
  auto scan = [&] {
    if (!only) return group(graph->exact(query, live), hit_rows, k, nullptr, best);
    const auto keep = [&](std::int64_t label) { return only->contains(hit_rows.image_of(label)); };
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
  // caption and all match), then widen.
  for (auto n = static_cast<std::size_t>(std::ceil(static_cast<double>(k) / fraction));; n *= 4) {
    if (n >= live) {
      scan();
      break;
    }
    graph->search(query, n, std::max(ef, n), captions);
    group(captions, hit_rows, k, only, best);
    if (best.size() == target) break;
  }
  return best;
}

std::vector<Hit> Catalogue::search(std::string_view text, const SearchOptions& options) const {
  std::vector<float> query(impl_->embedder->dim());
  impl_->embedder->embed(text, query);
  return impl_->search(query, options);
}

std::vector<Hit> Catalogue::search(std::span<const float> vector,
                                   const SearchOptions& options) const {
  return impl_->search(vector, options);
}

}  // namespace picdex
