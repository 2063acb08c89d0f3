// push() and RemoteCatalogue: the engine-independent half of serving a catalogue from a
// distributed engine.
#include <xxhash.h>

#include <nlohmann/json.hpp>

#include "embed/learned.hpp"
#include "engines/engine.hpp"
#include "index/unit_vector.hpp"
#include "picdex/embedder.hpp"
#include "picdex/error.hpp"

namespace picdex {
namespace {

// What the engine holds of an image, as one number: its captions, metadata (`metadata`, the
// compact form of the image's) and vectors.
std::uint64_t digest_of(const Image& image, const std::string& metadata) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  for (const auto& caption : image.captions)
    XXH3_64bits_update(state, caption.c_str(), caption.size() + 1);
  XXH3_64bits_update(state, metadata.data(), metadata.size());
  for (const auto& v : image.vectors) XXH3_64bits_update(state, v.data(), v.size() * sizeof(float));
  const auto digest = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return digest;
}

}  // namespace

namespace engines {

std::unique_ptr<RemoteCatalogue::Engine> connect(std::string_view url) {
  if (url.starts_with("clickhouse://")) return connect_clickhouse(url);
  if (url.starts_with("chroma://")) return connect_chroma(url);
  throw InputError(std::string(url) +
                   ": not an engine picdex knows (clickhouse://..., chroma://...)");
}

}  // namespace engines

PushReport push(const Catalogue& catalogue, std::string_view url, const PushOptions& options) {
  if (options.batch == 0) throw InputError("batch: must be at least 1");
  const auto engine = engines::connect(url);
  engine->prepare(catalogue.embedder_spec(), catalogue.dim());
  auto held = engine->digests();  // what the engine has that the catalogue has not, at the end
  PushReport report;
  std::vector<PushedImage> batch;
  const std::size_t total = catalogue.size();
  std::size_t examined = 0;
  auto send = [&] {
    engine->upsert(batch);
    report.sent += batch.size();
    batch.clear();
  };
  catalogue.for_each_image(
      [&](const Image& image) {
        ++examined;
        auto metadata = nlohmann::json::parse(image.metadata).dump();
        const auto digest = digest_of(image, metadata);
        const auto it = held.find(image.uri);
        const bool same = it != held.end() && it->second == digest;
        if (it != held.end()) held.erase(it);
        if (same) {
          ++report.unchanged;
        } else {
          batch.push_back({image, digest});
          batch.back().image.metadata = std::move(metadata);
          if (batch.size() == options.batch) send();
        }
        if (options.progress && examined % options.batch == 0) options.progress(examined, total);
      },
      /*with_vectors=*/true);
  if (!batch.empty()) send();
  std::vector<std::string> gone;
  for (auto& [uri, digest] : held) gone.push_back(uri);
  for (std::size_t start = 0; start < gone.size(); start += options.batch)
    engine->remove(std::span(gone).subspan(start, std::min(options.batch, gone.size() - start)));
  report.removed = gone.size();
  if (options.progress) options.progress(examined, total);
  return report;
}

RemoteCatalogue::RemoteCatalogue(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {}
RemoteCatalogue::RemoteCatalogue(RemoteCatalogue&&) noexcept = default;
RemoteCatalogue& RemoteCatalogue::operator=(RemoteCatalogue&&) noexcept = default;
RemoteCatalogue::~RemoteCatalogue() = default;

RemoteCatalogue RemoteCatalogue::connect(std::string_view url) {
  RemoteCatalogue remote(engines::connect(url));
  remote.spec_ = remote.engine_->stored_spec();
  if (!remote.spec_) throw NotFoundError(std::string(url) + ": holds no pushed catalogue");
  return remote;
}

const std::string& RemoteCatalogue::embedder_spec() const {
  return *spec_;
}

std::vector<Hit> RemoteCatalogue::search(std::span<const float> vector,
                                         const SearchOptions& options) {
  if (options.mode != SearchMode::vector)
    throw InputError("mode: an engine searches by vector only");
  if (!embed::maps_scores(*spec_)) return engine_->search(vector, options);
  // Hits show scores as a local search does. The engine filters by inner product, so it
  // is given the one that min_score stands for.
  if (!embedder_) embedder_ = make_embedder(*spec_);
  const ScoreMap shown =
      embedder_->score_map(index::unit_vector(vector, embedder_->dim(), "query vector"));
  SearchOptions engine_options = options;
  if (options.min_score > -1.0f)
    engine_options.min_score = shown.inner_product_of(options.min_score);
  auto hits = engine_->search(vector, engine_options);
  for (auto& hit : hits) hit.ranked_by = hit.score = shown(hit.score);
  return hits;
}

std::vector<Hit> RemoteCatalogue::search(std::string_view text, const SearchOptions& options) {
  if (!embedder_) embedder_ = make_embedder(*spec_);
  std::vector<float> vector(embedder_->dim());
  embedder_->embed_query(text, vector);
  return search(vector, options);
}

}  // namespace picdex
