#include "embed/none.hpp"

#include "picdex/error.hpp"

namespace picdex::embed {

NoEmbedder::NoEmbedder(std::size_t dim) : dim_(dim) {
  if (dim < 1 || dim > 65536) throw InputError("embedder none: dim must be 1..65536");
}

void NoEmbedder::embed(std::string_view, std::span<float>) const {
  throw InputError("this catalogue has no text embedder (" + spec() +
                   "): give vectors with its captions, and search with a vector");
}

}  // namespace picdex::embed
