// The learned embedder: each text feature (features.hpp) looks up a trained row of a
// model file (model.hpp); the rows, weighted, are summed and L2-normalised. A model with
// word vectors (learned-v2) adds the projection of the text's summed word vectors. The
// spec names the model and its fingerprint, e.g.
// "learned-v2:model=default-v2,fingerprint=1a2b3c4d", so a catalogue is never searched
// with another model. learned-v3 adds the model's density reference (density.hpp), named
// by its fingerprint too: stored captions and queries then differ in form.
#pragma once

#include <memory>

#include "embed/density.hpp"
#include "embed/model.hpp"
#include "picdex/embedder.hpp"

namespace picdex::embed {

class LearnedEmbedder final : public Embedder {
 public:
  // `model_name` as the spec names the model: "default", a built-in's versioned name
  // ("default-v1") or the model file's absolute path.
  // With a density reference (of this model): learned-v3.
  LearnedEmbedder(std::shared_ptr<const Model> model, std::string model_name,
                  std::shared_ptr<const DensityReference> density = nullptr);
  std::string spec() const override;
  std::size_t dim() const override { return model_->dims() + (density_ ? 2 : 0); }
  void embed(std::string_view text, std::span<float> out) const override;
  void embed_query(std::string_view text, std::span<float> out) const override;
  ScoreMap score_map(std::span<const float> query) const override;

 private:
  // The model's unit vector for `text` (model dims numbers).
  void embed_unit(std::string_view text, std::span<float> out) const;
  // embed_unit, then in the density reference's stored or query form (when there is one).
  using Form = void (DensityReference::*)(std::span<const float>, std::span<float>) const;
  void embed_as(std::string_view text, std::span<float> out, Form form) const;

  std::shared_ptr<const Model> model_;
  std::string model_name_;
  std::shared_ptr<const DensityReference> density_;
};

// A model built into this library (built_in_models.hpp) by versioned name, loaded once;
// nullptr if this build has none of that name.
std::shared_ptr<const Model> built_in_model(std::string_view name);
// A model file, loaded once per process and path.
std::shared_ptr<const Model> model_from_file(const std::filesystem::path& path);
// The density reference built in beside a built-in model, or nullptr.
std::shared_ptr<const DensityReference> built_in_density(std::string_view model_name);
// A density reference file, loaded once per process and path.
std::shared_ptr<const DensityReference> density_from_file(const std::filesystem::path& path);
// Where a model file's density reference lies: beside it, ".pdxr" for its extension.
std::filesystem::path density_path_of(const std::filesystem::path& model_path);
// Whether an embedder of this spec maps its scores (Embedder::score_map): learned-v3's do.
inline bool maps_scores(std::string_view spec) {
  return spec.starts_with("learned-v3:");
}

}  // namespace picdex::embed
