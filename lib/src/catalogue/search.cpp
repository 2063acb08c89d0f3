// Search: nearest captions from the graph, grouped into images, widened until k images.
#include <algorithm>
#include <cmath>

#include "catalogue/impl.hpp"
#include "index/unit_vector.hpp"
#include "picdex/error.hpp"

namespace picdex {
namespace {

struct Best {
  std::int64_t image;
  index::Neighbor caption;
};

// Keeps the first (best) caption of each image, in order, up to k images.
void group(const std::vector<index::Neighbor>& captions, const std::vector<std::int64_t>& image_of,
           std::size_t k, std::vector<Best>& out) {
  out.clear();
  for (const auto& n : captions) {
    const auto id = static_cast<std::size_t>(n.label);
    const auto image = id < image_of.size() ? image_of[id] : 0;
    if (image == 0) continue;
    if (std::any_of(out.begin(), out.end(), [&](const Best& b) { return b.image == image; }))
      continue;
    out.push_back({image, n});
    if (out.size() == k) return;
  }
}

}  // namespace

void Catalogue::Impl::catch_up() {
  const auto latest = with_reader([](store::Rows& rows) { return rows.last_seq(); });
  {
    std::shared_lock graph_lock(graph_mutex);
    if (latest <= applied_seq) return;
  }
  std::unique_lock graph_lock(graph_mutex);
  if (latest <= applied_seq) return;  // someone else caught up meanwhile
  with_reader([&](store::Rows& rows) {
    sync_graph(rows);
    return 0;
  });
}

std::vector<Hit> Catalogue::Impl::search(std::span<const float> raw,
                                         const SearchOptions& options) const {
  const auto query = index::unit_vector(raw, shape.dim, "query vector");
  if (options.k == 0) return {};
  const std::size_t ef = options.ef ? options.ef : ef_search;

  std::shared_lock graph_lock(graph_mutex);
  const std::size_t live = graph->live();
  std::vector<Best> best;
  // Ask for k captions first (enough when images have one caption each), then widen.
  for (std::size_t n = options.k;; n *= 4) {
    if (n >= live) {
      group(graph->exact(query, live), image_of, options.k, best);
      break;
    }
    const auto captions = graph->search(query, n, std::max(ef, n));
    group(captions, image_of, options.k, best);
    if (best.size() == options.k) break;
  }

  std::vector<std::int64_t> ids;
  for (const auto& b : best) {
    if (b.caption.score < options.min_score) break;
    ids.push_back(b.caption.label);
  }
  // One statement for all hits' rows: per-row statements cost more than the graph search.
  auto rows_of = with_reader([&](store::Rows& rows) { return rows.hits(ids); });
  std::vector<Hit> hits;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto& row = rows_of[i];
    if (!row) continue;  // removed by another process since the graph was synced
    hits.push_back({std::move(row->uri), best[i].caption.score, std::move(row->caption),
                    std::move(row->metadata)});
  }
  return hits;
}

std::vector<Hit> Catalogue::search(std::string_view text, const SearchOptions& options) const {
  std::vector<float> query(impl_->embedder->dim());
  impl_->embedder->embed(text, query);
  impl_->catch_up();
  return impl_->search(query, options);
}

std::vector<Hit> Catalogue::search(std::span<const float> vector,
                                   const SearchOptions& options) const {
  impl_->catch_up();
  return impl_->search(vector, options);
}

}  // namespace picdex
