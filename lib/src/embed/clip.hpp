// The CLIP embedder: a CLIP model saved as TorchScript (OpenAI's ViT-B-32.pt and the
// like: methods encode_text and encode_image), run on the CPU by libtorch. Texts go
// through CLIP's tokenizer, images through CLIP's preprocessing (clip_preprocess.hpp),
// into one space.
//
// Spec: "clip:PATH" when creating; stored as "clip:model=ABSOLUTE_PATH,fingerprint=HEX",
// the fingerprint being XXH3-128 of the model file, so a catalogue is never searched with
// another model. The tokenizer's merges (bpe_simple_vocab_16e6.txt.gz) are read from the
// model's folder, else from the path this build was configured with (PICDEX_CLIP_VOCAB).
//
// Only in builds with PICDEX_WITH_CLIP; libtorch's headers stay in clip.cpp.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "picdex/embedder.hpp"

namespace picdex::embed {

// `fingerprint`: "" accepts the model as it is; otherwise EmbedderMismatchError unless
// the file's fingerprint equals it. FormatError for a file that is not a TorchScript
// archive or lacks CLIP's methods; NotFoundError for a missing file.
std::unique_ptr<Embedder> make_clip_embedder(std::string_view spec,
                                             const std::filesystem::path& model,
                                             std::string_view fingerprint);

}  // namespace picdex::embed
