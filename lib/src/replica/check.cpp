// Replica::check: the replica against SQLite, for verify.
#include <algorithm>
#include <cmath>
#include <random>

#include "index/snapshot.hpp"
#include "replica/replica.hpp"

namespace picdex::replica {

// Caught up first, in the same read transaction as the comparison, so that commits of
// other processes are not reported as disagreements.
void Replica::check(VerifyReport& report) {
  Lock graph_lock(graph_mutex_);
  readers_.with([&](store::Tables& tables) {
    graph_mutex_.held();
    SQLite::Transaction read(tables.database());
    apply(tables);
    const auto dim = settings_.shape.dim;
    std::vector<std::int64_t> caption_ids;
    std::size_t misfiled = 0;  // captions whose hit entry disagrees with SQLite
    tables.for_each_vector([&](const store::Tables::VectorRecord& c) {
      graph_mutex_.held();
      ++report.captions_checked;
      caption_ids.push_back(c.id);
      const auto hit = hits_.entry(c.id);
      misfiled += !hit || hits_.image_of(c.id) != c.image_id || hit->text != c.text ||
                  hit->uri != c.uri || hit->metadata != c.metadata;
      if (c.vec.size() != dim) {
        report.problems.push_back("caption " + std::to_string(c.id) + ": vector has " +
                                  std::to_string(c.vec.size()) + " dimensions, not " +
                                  std::to_string(dim));
        return;
      }
      double norm = 0;
      for (float v : c.vec) norm += static_cast<double>(v) * v;
      if (!std::isfinite(norm) || std::abs(std::sqrt(norm) - 1.0) > 1e-3)
        report.problems.push_back("caption " + std::to_string(c.id) +
                                  ": vector is not unit length");
    });
    auto labels = graph_->labels();
    std::sort(labels.begin(), labels.end());
    if (labels != caption_ids) {
      std::vector<std::int64_t> missing, orphans;
      std::set_difference(caption_ids.begin(), caption_ids.end(), labels.begin(), labels.end(),
                          std::back_inserter(missing));
      std::set_difference(labels.begin(), labels.end(), caption_ids.begin(), caption_ids.end(),
                          std::back_inserter(orphans));
      report.problems.push_back("graph: " + std::to_string(missing.size()) + " captions missing, " +
                                std::to_string(orphans.size()) + " labels without a caption");
    }
    if (misfiled > 0)
      report.problems.push_back("graph: " + std::to_string(misfiled) +
                                " captions whose search row (image, text, URI or metadata) "
                                "disagrees with the database");

    const auto m = tables.manifest();
    if (m && m->seq > tables.last_seq())
      report.problems.push_back("graph snapshot manifest claims change " + std::to_string(m->seq) +
                                ", newer than the log's last (" +
                                std::to_string(tables.last_seq()) + ")");
    const auto named = m ? index::snapshot_path(settings_.catalogue, m->file) : std::nullopt;
    if (m && !named)
      report.problems.push_back("graph snapshot manifest names '" + m->file +
                                "', not a snapshot of this catalogue");
    if (named) {
      const index::SnapshotFile expected{*named,
                                         static_cast<std::uint64_t>(m->bytes),
                                         m->checksum,
                                         static_cast<std::uint64_t>(m->elements),
                                         {}};
      if (auto why = index::check_snapshot(expected, settings_.shape))
        report.problems.push_back("graph snapshot " + expected.path.string() + " " + *why);
    }

    if (graph_->elements() > 0)
      report.deleted_fraction =
          static_cast<double>(graph_->deleted()) / static_cast<double>(graph_->elements());
    // Sampled recall@10 of the graph against an exact scan, querying with stored vectors.
    if (labels.empty()) return 0;
    std::mt19937_64 rng(42);
    const std::size_t samples = std::min<std::size_t>(100, labels.size());
    std::size_t found = 0, wanted = 0;
    SQLite::Statement vector_of(tables.database(), "SELECT vec FROM captions WHERE id = ?");
    for (std::size_t s = 0; s < samples; ++s) {
      vector_of.reset();
      vector_of.bind(1, labels[rng() % labels.size()]);
      if (!vector_of.executeStep()) continue;
      const auto blob = vector_of.getColumn(0);
      const auto vec = store::vector_from_blob(blob.getBlob(), blob.getBytes());
      if (vec.size() != dim) continue;
      const auto exact = graph_->exact(vec, 10);
      const auto approx = graph_->search(vec, 10, settings_.ef_search);
      const float threshold = exact.back().score - 1e-5f;
      wanted += exact.size();
      for (const auto& n : approx) found += n.score >= threshold;
    }
    report.sampled_recall = wanted ? static_cast<double>(std::min(found, wanted)) / wanted : 1.0;
    if (report.sampled_recall < 0.9)
      report.problems.push_back("graph: sampled recall@10 is " +
                                std::to_string(report.sampled_recall) + " (expected >= 0.9)");
    return 0;
  });
}

std::size_t Replica::deleted() const {
  SharedLock graph_lock(graph_mutex_);
  return graph_->deleted();
}

std::optional<std::size_t> Replica::deleted_before_open(const store::Manifest& manifest,
                                                        std::int64_t last_seq) const {
  if (manifest.seq != last_seq) return std::nullopt;  // the log holds changes after it
  const auto path = index::snapshot_path(settings_.catalogue, manifest.file);
  if (!path) return std::nullopt;
  const auto deleted =
      index::Graph::recorded_deleted(shape(), *path, static_cast<std::uint64_t>(manifest.bytes));
  if (!deleted) return std::nullopt;
  return static_cast<std::size_t>(*deleted);
}

index::GraphShape Replica::shape() const {
  SharedLock graph_lock(graph_mutex_);  // (its dim changes when re-embedded)
  return settings_.shape;
}

}  // namespace picdex::replica
