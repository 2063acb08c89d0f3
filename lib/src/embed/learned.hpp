// The learned embedder: each text feature (features.hpp) looks up a trained row of a
// model file (model.hpp); the rows, weighted, are summed and L2-normalised. A model with
// word vectors (learned-v2) adds the projection of the text's summed word vectors. The
// spec names the model and its fingerprint, e.g.
// "learned-v2:model=default-v2,fingerprint=1a2b3c4d", so a catalogue is never searched
// with another model.
#pragma once

#include <memory>

#include "embed/model.hpp"
#include "picdex/embedder.hpp"

namespace picdex::embed {

class LearnedEmbedder final : public Embedder {
 public:
  // `model_name` as the spec names the model: "default", a built-in's versioned name
  // ("default-v1") or the model file's absolute path.
  LearnedEmbedder(std::shared_ptr<const Model> model, std::string model_name);
  std::string spec() const override;
  std::size_t dim() const override { return model_->dims(); }
  void embed(std::string_view text, std::span<float> out) const override;

 private:
  std::shared_ptr<const Model> model_;
  std::string model_name_;
};

// A model built into this library (built_in_models.hpp) by versioned name, loaded once;
// nullptr if this build has none of that name.
std::shared_ptr<const Model> built_in_model(std::string_view name);
// A model file, loaded once per process and path.
std::shared_ptr<const Model> model_from_file(const std::filesystem::path& path);

}  // namespace picdex::embed
