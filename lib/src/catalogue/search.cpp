// Search: nearest captions from the graph, grouped into images, widened until k images.
#include <algorithm>
#include <cmath>

#include "catalogue/impl.hpp"
#include "index/unit_vector.hpp"
#include "picdex/error.hpp"

namespace picdex {
namespace {

// Keeps the first (best) caption of each image, in order, up to k images.
void group(const std::vector<index::Neighbor>& captions, const index::HitRows& rows, std::size_t k,
           std::vector<BestCaption>& out) {
  out.clear();
  for (const auto& n : captions) {
    const auto image = rows.image_of(n.label);
    if (image == 0) continue;
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

std::vector<Hit> Catalogue::Impl::search(std::span<const float> raw, const SearchOptions& options) {
  const auto query = index::unit_vector(raw, shape.dim, "query vector");
  if (options.k == 0) return {};
  const std::size_t ef = options.ef ? options.ef : ef_search;

  // The graph and the hit rows hold the changes up to applied_seq. Unless the beacon shows
  // that no process has committed since the last check, one indexed read tells whether
  // others have committed more; if so, catch up first. Under a stream of such writes,
  // after a few tries answer from the state caught up to.
  for (int attempt = 1;; ++attempt) {
    const auto signal = beacon.read();  // before the check: a later commit changes it
    const bool quiet = store::ChangeBeacon::quiet(signal) && signal == quiet_beacon.load();
    const auto latest = quiet ? 0 : with_reader([](store::Rows& rows) { return rows.last_seq(); });
    std::shared_lock graph_lock(graph_mutex);
    if (latest > applied_seq && attempt < 4) {
      graph_lock.unlock();
      catch_up();
      continue;
    }
    if (!quiet && latest <= applied_seq && store::ChangeBeacon::quiet(signal))
      quiet_beacon = signal;
    std::vector<Hit> hits;
    for (const auto& b : nearest_images(query, options.k, ef)) {
      if (b.caption.score < options.min_score) break;
      if (const auto row = hit_rows.row(b.caption.label))
        hits.push_back({std::string(row->uri), b.caption.score, std::string(row->text),
                        std::string(row->metadata)});
    }
    return hits;
  }
}

const std::vector<BestCaption>& Catalogue::Impl::nearest_images(std::span<const float> query,
                                                                std::size_t k,
                                                                std::size_t ef) const {
  thread_local std::vector<index::Neighbor> captions;
  thread_local std::vector<BestCaption> best;
  const std::size_t live = graph->live();
  // Ask for k captions first (enough when images have one caption each), then widen.
  for (std::size_t n = k;; n *= 4) {
    if (n >= live) {
      group(graph->exact(query, live), hit_rows, k, best);
      break;
    }
    graph->search(query, n, std::max(ef, n), captions);
    group(captions, hit_rows, k, best);
    if (best.size() == k) break;
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
