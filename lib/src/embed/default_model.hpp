// The default model's file, built into the library from models/default.pdxm (empty when
// the build had none).
#pragma once

#include <cstddef>
#include <span>

namespace picdex::embed {

std::span<const std::byte> default_model_bytes();

}  // namespace picdex::embed
