// The learned models built into the library from models/*.pdxm, oldest first. They are
// never replaced, only added to: a catalogue made with one names it in its embedder spec
// (by fingerprint, or by versioned name) and must find it in every later build.
#pragma once

#include <cstddef>
#include <span>

namespace picdex::embed {

struct BuiltInModelFile {
  const char* name;  // "default-v1", "default-v2", ...
  std::span<const std::byte> bytes;
  std::span<const std::byte> density;     // its density reference (models/NAME.pdxr), if any
  std::span<const std::byte> hash_index;  // Model::hash_index(), made by the build
};

// Every built-in model file this build has (none when built without models/).
std::span<const BuiltInModelFile> built_in_model_files();

}  // namespace picdex::embed
