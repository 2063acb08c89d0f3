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
  if (out.size() != dim()) throw Error("learned embedder: output has the wrong dimension");
  if (!density_) return embed_unit(text, out);
  thread_local std::vector<float> unit;
  unit.resize(model_->dims());
  embed_unit(text, unit);
  density_->stored_form(unit, out);
}

void LearnedEmbedder::embed_query(std::string_view text, std::span<float> out) const {
  if (out.size() != dim()) throw Error("learned embedder: output has the wrong dimension");
  if (!density_) return embed_unit(text, out);
  thread_local std::vector<float> unit;
  unit.resize(model_->dims());
  embed_unit(text, unit);
  density_->query_form(unit, out);
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

std::shared_ptr<const Model> built_in_model(std::string_view name) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Model>, std::less<>> loaded;
  std::lock_guard lock(mutex);
  if (const auto it = loaded.find(name); it != loaded.end()) return it->second;
  for (const auto& file : built_in_model_files())
    if (file.name == name)
      return loaded[std::string(name)] = std::make_shared<const Model>(
                 Model::read(file.bytes, "the built-in model " + std::string(name)));
  return nullptr;
}

std::shared_ptr<const Model> model_from_file(const std::filesystem::path& path) {
  static std::mutex mutex;
  static std::map<std::filesystem::path, std::shared_ptr<const Model>> loaded;
  std::lock_guard lock(mutex);
  auto& slot = loaded[path];
  if (!slot) slot = std::make_shared<const Model>(Model::load(path));
  return slot;
}

std::shared_ptr<const DensityReference> built_in_density(std::string_view model_name) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const DensityReference>, std::less<>> loaded;
  std::lock_guard lock(mutex);
  if (const auto it = loaded.find(model_name); it != loaded.end()) return it->second;
  for (const auto& file : built_in_model_files())
    if (file.name == model_name && !file.density.empty())
      return loaded[std::string(model_name)] =
                 std::make_shared<const DensityReference>(DensityReference::read(
                     file.density, "the built-in density reference of " + std::string(model_name)));
  return nullptr;
}

std::shared_ptr<const DensityReference> density_from_file(const std::filesystem::path& path) {
  static std::mutex mutex;
  static std::map<std::filesystem::path, std::shared_ptr<const DensityReference>> loaded;
  std::lock_guard lock(mutex);
  auto& slot = loaded[path];
  if (!slot) slot = std::make_shared<const DensityReference>(DensityReference::load(path));
  return slot;
}

std::filesystem::path density_path_of(const std::filesystem::path& model_path) {
  auto path = model_path;
  return path.replace_extension(".pdxr");
}

}  // namespace picdex::embed
