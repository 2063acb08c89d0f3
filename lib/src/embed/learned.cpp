#include "embed/learned.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <vector>

#include "embed/built_in_models.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {

LearnedEmbedder::LearnedEmbedder(std::shared_ptr<const Model> model, std::string model_name,
                                 std::shared_ptr<const DensityReference> density)
    : model_(std::move(model)), model_name_(std::move(model_name)), density_(std::move(density)) {
  if (density_ && (density_->model_fingerprint() != model_->fingerprint() ||
                   density_->dims() != model_->dims()))
    throw EmbedderMismatchError("density reference " + density_->fingerprint() +
                                " was made for model " + density_->model_fingerprint() + ", not " +
                                model_->fingerprint());
}

std::string LearnedEmbedder::spec() const {
  const char* version = density_                  ? "learned-v3"
                        : model_->words().empty() ? "learned-v1"
                                                  : "learned-v2";
  return std::string(version) + ":model=" + model_name_ + ",fingerprint=" + model_->fingerprint() +
         (density_ ? ",density=" + density_->fingerprint() : "");
}

void LearnedEmbedder::embed(std::string_view text, std::span<float> out) const {
  embed_as(text, out, &DensityReference::stored_form);
}

ScoreMap LearnedEmbedder::score_map(std::span<const float> query) const {
  return density_ ? density_->score_map(query) : ScoreMap{};
}

void LearnedEmbedder::embed_query(std::string_view text, std::span<float> out) const {
  embed_as(text, out, &DensityReference::query_form);
}

void LearnedEmbedder::embed_as(std::string_view text, std::span<float> out, Form form) const {
  if (out.size() != dim()) throw Error("learned embedder: output has the wrong dimension");
  if (!density_) return embed_unit(text, out);
  thread_local std::vector<float> unit;
  unit.resize(model_->dims());
  embed_unit(text, unit);
  ((*density_).*form)(unit, out);
}

void LearnedEmbedder::embed_unit(std::string_view text, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const auto& words = model_->words();
  thread_local std::vector<float> word_sum;
  thread_local std::vector<std::pair<std::size_t, float>> rows;  // row, weight
  word_sum.assign(words.dims(), 0.0f);
  rows.clear();
  bool any_word = false;
  const SpellingFilter by_meaning = [&](std::uint64_t stem, std::uint64_t word) {
    return meaning_only(words, model_->in_vocabulary(model_->row_of(stem)), word);
  };
  for (const auto& f :
       extract_features(text, model_->weights(), words.empty() ? nullptr : by_meaning)) {
    if (f.kind == FeatureKind::word) {
      if (const auto w = words.find(f.hash)) {
        words.add(*w, sublinear(f.weight), word_sum);
        any_word = true;
      }
      continue;
    }
    const auto row = model_->row_of(f.hash);
    if (!takes_row(words, f.kind, model_->in_vocabulary(row))) continue;
    model_->prefetch_row(row);  // rows are scattered over megabytes: fetch them all at once
    rows.emplace_back(row, sublinear(f.weight));
  }
  for (const auto& [row, weight] : rows) model_->add_row(row, weight, out);
  if (any_word) model_->project(word_sum, out);
  double norm = 0;
  for (float v : out) norm += static_cast<double>(v) * v;
  if (norm == 0 || !std::isfinite(norm)) throw InputError("text has no words to embed");
  const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& v : out) v *= scale;
}

namespace {

// What a process loads once and keeps: models and density references, by name or path.
// `load` runs under the lock, so each is read once however many threads ask at once.
template <typename Value>
class LoadedOnce {
 public:
  template <typename Load>
  std::shared_ptr<const Value> get(const std::string& key, Load load) {
    std::lock_guard lock(mutex_);
    auto [it, fresh] = loaded_.try_emplace(key);
    if (fresh) {
      try {
        it->second = load();
      } catch (...) {
        loaded_.erase(it);  // (so that a file fixed later is read again)
        throw;
      }
    }
    return it->second;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const Value>> loaded_;
};

// The built-in file of that name, or null.
const BuiltInModelFile* built_in_file(std::string_view name) {
  for (const auto& file : built_in_model_files())
    if (file.name == name) return &file;
  return nullptr;
}

}  // namespace

std::shared_ptr<const Model> built_in_model(std::string_view name) {
  static LoadedOnce<Model> cache;
  return cache.get(std::string(name), [&]() -> std::shared_ptr<const Model> {
    const auto* file = built_in_file(name);
    if (!file) return nullptr;
    return std::make_shared<const Model>(Model::read_built_in(
        file->bytes, "the built-in model " + std::string(name), file->hash_index));
  });
}

std::shared_ptr<const Model> model_from_file(const std::filesystem::path& path) {
  static LoadedOnce<Model> cache;
  return cache.get(path.string(), [&] { return std::make_shared<const Model>(Model::load(path)); });
}

std::shared_ptr<const DensityReference> built_in_density(std::string_view model_name) {
  static LoadedOnce<DensityReference> cache;
  return cache.get(std::string(model_name), [&]() -> std::shared_ptr<const DensityReference> {
    const auto* file = built_in_file(model_name);
    if (!file || file->density.empty()) return nullptr;
    return std::make_shared<const DensityReference>(DensityReference::read(
        file->density, "the built-in density reference of " + std::string(model_name)));
  });
}

std::shared_ptr<const DensityReference> density_from_file(const std::filesystem::path& path) {
  static LoadedOnce<DensityReference> cache;
  return cache.get(path.string(), [&] {
    return std::make_shared<const DensityReference>(DensityReference::load(path));
  });
}

std::filesystem::path density_path_of(const std::filesystem::path& model_path) {
  auto path = model_path;
  return path.replace_extension(".pdxr");
}

}  // namespace picdex::embed
