#include "embed/learned.hpp"

#include <cmath>
#include <map>
#include <mutex>

#include "embed/default_model.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {

LearnedEmbedder::LearnedEmbedder(std::shared_ptr<const Model> model, std::string model_name)
    : model_(std::move(model)), model_name_(std::move(model_name)) {}

std::string LearnedEmbedder::spec() const {
  return "learned-v1:model=" + model_name_ + ",fingerprint=" + model_->fingerprint();
}

void LearnedEmbedder::embed(std::string_view text, std::span<float> out) const {
  if (out.size() != model_->dims()) throw Error("learned embedder: output has the wrong dimension");
  std::fill(out.begin(), out.end(), 0.0f);
  for (const auto& f : extract_features(text, model_->weights()))
    model_->add_row(model_->row_of(f.hash), sublinear(f.weight), out);
  double norm = 0;
  for (float v : out) norm += static_cast<double>(v) * v;
  if (norm == 0 || !std::isfinite(norm)) throw InputError("text has no words to embed");
  const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& v : out) v *= scale;
}

std::shared_ptr<const Model> default_model() {
  static const std::shared_ptr<const Model> model = []() -> std::shared_ptr<const Model> {
    const auto bytes = default_model_bytes();
    if (bytes.empty()) return nullptr;
    return std::make_shared<const Model>(Model::read(bytes, "the built-in model"));
  }();
  return model;
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
