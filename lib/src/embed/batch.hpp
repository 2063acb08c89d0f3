// Embedding many texts at once, spread over threads (Embedder::embed is thread-safe), or
// in the embedder's own batches when it has them (Embedder::batches).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "picdex/embedder.hpp"
#include "picdex/error.hpp"

namespace picdex::embed {

// Returns texts.size() * embedder.dim() floats. If texts fail, the InputError of the first
// (in order) is rethrown, placed within place_of(index): the image and caption it was.
std::vector<float> embed_all(const Embedder& embedder, const std::vector<std::string_view>& texts,
                             unsigned threads,
                             const std::function<InputPlace(std::size_t)>& place_of);

}  // namespace picdex::embed
