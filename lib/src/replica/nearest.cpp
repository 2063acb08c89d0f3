// Replica: searching it, fresh: catching up with other processes' commits first.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "replica/replica.hpp"

namespace picdex::replica {
namespace {

// Keeps the first (best) caption of each image, in order, up to k images (of `only`).
void group(const std::vector<index::Neighbor>& captions, const index::HitTable& hits, std::size_t k,
           const store::MatchingImages* only, std::vector<BestCaption>& out) {
  out.clear();
  for (const auto& n : captions) {
    const auto image = hits.image_of(n.label);
    if (image == 0 || (only && !only->contains(image))) continue;
    if (std::any_of(out.begin(), out.end(), [&](const BestCaption& b) { return b.image == image; }))
      continue;
    out.push_back({image, n});
    if (out.size() == k) return;
  }
}

}  // namespace

void Replica::catch_up() {
  Lock graph_lock(graph_mutex_);
  readers_.with([&](store::Tables& tables) {
    graph_mutex_.held();
    apply(tables);
    return 0;
  });
}

// Unless the beacon shows that no process has committed since the last check, one indexed
// read tells whether others have committed more; if so, catch up first. Whatever else a
// search reads from SQLite comes from one read at a known seq, and is used only with a
// graph at that same seq.
void Replica::fresh(const Read& read, const std::function<void(const View&)>& answer) {
  for (int attempt = 1;; ++attempt) {
    const auto signal = beacon_.read();  // before the check: a later commit changes it
    const bool quiet =
        !read && store::ChangeBeacon::quiet(signal) && signal == quiet_beacon_.load();
    std::int64_t latest = 0;
    if (read)
      latest = readers_.with(read);
    else if (!quiet)
      latest = readers_.with([](store::Tables& tables) { return tables.last_seq(); });
    SharedLock graph_lock(graph_mutex_);
    if (latest != applied_seq_ && !quiet && attempt < 4) {
      const bool behind = latest > applied_seq_;  // read while still locked
      graph_lock.unlock();
      if (behind) catch_up();
      continue;
    }
    if (!quiet && latest <= applied_seq_ && store::ChangeBeacon::quiet(signal))
      quiet_beacon_ = signal;
    answer(View(*this));
    return;
  }
}

const std::vector<BestCaption>& Replica::View::nearest_images(
    std::span<const float> query, std::size_t k, std::size_t ef,
    const store::MatchingImages* only) const {
  replica_.graph_mutex_.held_shared();  // (a View lives only inside fresh's lock)
  return replica_.nearest_images(query, k, ef, only);
}

std::optional<index::HitTable::Entry> Replica::View::hit(std::int64_t caption) const {
  replica_.graph_mutex_.held_shared();
  return replica_.hits_.entry(caption);
}

std::int64_t Replica::View::image_of(std::int64_t caption) const {
  replica_.graph_mutex_.held_shared();
  return replica_.hits_.image_of(caption);
}

std::vector<float> Replica::View::stored_scores(std::span<const float> query,
                                                std::span<const std::int64_t> captions) const {
  return replica_.stored_scores(query, captions);
}

std::vector<float> Replica::stored_scores(std::span<const float> query,
                                          std::span<const std::int64_t> captions) const {
  std::vector<float> scores(captions.size(), std::numeric_limits<float>::quiet_NaN());
  if (captions.empty()) return scores;
  vector_readers_.with([&](store::Tables& tables) {
    tables.for_each_caption_vector(captions, [&](std::size_t i, std::span<const float> stored) {
      if (stored.size() == query.size()) scores[i] = index::Graph::exact_score(query, stored);
    });
    return 0;
  });
  return scores;
}

const std::vector<BestCaption>& Replica::nearest_images(std::span<const float> query, std::size_t k,
                                                        std::size_t ef,
                                                        const store::MatchingImages* only) const {
  thread_local std::vector<index::Neighbor> captions;
  thread_local std::vector<BestCaption> best;
  const auto& graph = *graph_;
  const std::size_t live = graph.live();
  const std::size_t target = only ? std::min(k, only->size()) : k;
  const double fraction = only ? only->fraction() : 1.0;
  auto scan = [&] {
    graph_mutex_.held_shared();
    if (!only) {
      captions = graph.exact(query, live);
    } else {
      const auto keep = [&](std::int64_t label) {
        graph_mutex_.held_shared();
        return only->contains(hits_.image_of(label));
      };
      captions = graph.exact(query, live, keep);
    }
    if (graph.approximate()) rescore(query, k, only, captions);
    group(captions, hits_, k, only, best);
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
    // (An approximate graph returns as many as its breadth holds, up to twice as many,
    // for rescore() to choose from: no broader a search than a float32 graph's.)
    const std::size_t breadth = std::max(ef, only ? 2 * n : n);
    const std::size_t wanted = graph.approximate() ? std::min(2 * n, breadth) : n;
    graph.search(query, wanted, breadth, captions);
    if (graph.approximate()) rescore(query, k, only, captions);
    group(captions, hits_, k, only, best);
    if (best.size() == target) break;
  }
  return best;
}

void Replica::rescore(std::span<const float> query, std::size_t k,
                      const store::MatchingImages* only,
                      std::vector<index::Neighbor>& captions) const {
  // Captions come nearest first by approximate score. Keep those of the first k images (of
  // `only`'s), then those whose score is within the margin of the k-th image's, up to 2k.
  const float margin = graph_->score_margin(query);
  thread_local std::unordered_set<std::int64_t> images;  // (no allocation per search)
  images.clear();
  float kth = 0;
  std::size_t kept = 0;
  for (const auto& c : captions) {
    if (images.size() >= k && (c.score < kth - margin || images.size() >= 2 * k)) break;
    const auto image = hits_.image_of(c.label);
    if (only && !only->contains(image)) continue;
    if (images.insert(image).second && images.size() == k) kth = c.score;
    captions[kept++] = c;
  }
  captions.resize(kept);
  thread_local std::vector<std::int64_t> labels;
  labels.clear();
  for (const auto& c : captions) labels.push_back(c.label);
  const auto scores = stored_scores(query, labels);
  for (std::size_t i = 0; i < captions.size(); ++i) captions[i].score = scores[i];
  std::erase_if(captions, [](const index::Neighbor& c) { return std::isnan(c.score); });
  std::sort(captions.begin(), captions.end(),
            [](const index::Neighbor& a, const index::Neighbor& b) {
              return a.score != b.score ? a.score > b.score : a.label < b.label;
            });
}

}  // namespace picdex::replica
