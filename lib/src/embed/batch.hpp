// Embedding many texts at once, spread over threads (Embedder::embed is thread-safe), or
// in the embedder's own batches when it has them (Embedder::batches).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "picdex/embedder.hpp"

namespace picdex::embed {

// Returns texts.size() * embedder.dim() floats. If texts fail, the InputError of the first
// (in order) is rethrown, prefixed with describe(index), e.g. "photo.jpg: caption 2".
std::vector<float> embed_all(const Embedder& embedder, const std::vector<std::string_view>& texts,
                             unsigned threads,
                             const std::function<std::string(std::size_t)>& describe);

}  // namespace picdex::embed
