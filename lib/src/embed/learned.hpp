// The learned embedder: each text feature (features.hpp) looks up a trained row of a
// model file (model.hpp); the rows, weighted, are summed and L2-normalised. The spec
// names the model and its fingerprint, e.g. "learned-v1:model=default,fingerprint=1a2b3c4d",
// so a catalogue is never searched with another model.
#pragma once

#include <memory>

#include "embed/model.hpp"
#include "picdex/embedder.hpp"

namespace picdex::embed {

class LearnedEmbedder final : public Embedder {
 public:
  // `model_name` is "default" or the model file's absolute path.
  LearnedEmbedder(std::shared_ptr<const Model> model, std::string model_name);
  std::string spec() const override;
  std::size_t dim() const override { return model_->dims(); }
  void embed(std::string_view text, std::span<float> out) const override;

 private:
  std::shared_ptr<const Model> model_;
  std::string model_name_;
};

// The model built into this library (models/default.pdxm), loaded once; nullptr if this
// build has none.
std::shared_ptr<const Model> default_model();
// A model file, loaded once per process and path.
std::shared_ptr<const Model> model_from_file(const std::filesystem::path& path);

}  // namespace picdex::embed
