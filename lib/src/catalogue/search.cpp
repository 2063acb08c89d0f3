// Search: nearest captions from the graph, grouped into images, widened until k images.
#include <algorithm>
#include <cmath>

#include "catalogue/impl.hpp"
#include "index/unit_vector.hpp"
#include "picdex/error.hpp"

namespace picdex {
namespace {

// Keeps the first (best) caption of each image, in order, up to k images.
void group(const std::vector<index::Neighbor>& captions, const std::vector<std::int64_t>& image_of,
           std::size_t k, std::vector<BestCaption>& out) {
  out.clear();
  for (const auto& n : captions) {
    const auto id = static_cast<std::size_t>(n.label);
    const auto image = id < image_of.size() ? image_of[id] : 0;
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

  // The graph lock is taken before the hits' statement reads its snapshot, and writers
  // in this process commit only under the graph lock held uniquely: so the snapshot holds
  // every change the graph holds, and every hit's row. If it holds more (another process
  // wrote), catch up and search again; after a few tries under a stream of such writes,
  // answer from the graph as it is.
  for (int attempt = 1;; ++attempt) {
    auto hits = with_reader([&](store::Rows& rows) -> std::optional<std::vector<Hit>> {
      std::shared_lock graph_lock(graph_mutex);
      const auto& best = nearest_images(query, options.k, ef);
      thread_local std::vector<std::int64_t> ids;
      ids.clear();
      for (const auto& b : best) {
        if (b.caption.score < options.min_score) break;
        ids.push_back(b.caption.label);
      }
      std::int64_t latest = 0;
      auto rows_of = rows.hits(ids, latest);
      if (latest > applied_seq && attempt < 4) return std::nullopt;
      std::vector<Hit> out;
      out.reserve(ids.size());
      for (std::size_t i = 0; i < ids.size(); ++i) {
        auto& row = rows_of[i];
        if (!row) continue;  // only after giving up on catching up with other processes
        out.push_back({std::move(row->uri), best[i].caption.score, std::move(row->caption),
                       std::move(row->metadata)});
      }
      return out;
    });
    if (hits) return std::move(*hits);
    catch_up();
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
      group(graph->exact(query, live), image_of, k, best);
      break;
    }
    graph->search(query, n, std::max(ef, n), captions);
    group(captions, image_of, k, best);
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
