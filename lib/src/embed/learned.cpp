#include "embed/learned.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <vector>

#include "embed/built_in_models.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {

LearnedEmbedder::LearnedEmbedder(std::shared_ptr<const Model> model, std::string model_name)
    : model_(std::move(model)), model_name_(std::move(model_name)) {}

std::string LearnedEmbedder::spec() const {
  return std::string(model_->words().empty() ? "learned-v1" : "learned-v2") +
         ":model=" + model_name_ + ",fingerprint=" + model_->fingerprint();
}

void LearnedEmbedder::embed(std::string_view text, std::span<float> out) const {
  if (out.size() != model_->dims()) throw Error("learned embedder: output has the wrong dimension");
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

}  // namespace picdex::embed
