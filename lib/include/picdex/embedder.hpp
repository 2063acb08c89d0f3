// Text embedders: map a caption or query to a unit vector. A catalogue is bound to one
// embedder by its spec string; the same spec must give the same vectors on every machine.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace picdex {

class Embedder {
 public:
  virtual ~Embedder() = default;
  // Identifies the embedder, its version and parameters, e.g. "lexical-v1:dim=512".
  virtual std::string spec() const = 0;
  virtual std::size_t dim() const = 0;
  // Writes an L2-normalised vector of dim() floats to `out`. Throws InputError when the
  // text has nothing to embed (no words).
  virtual void embed(std::string_view text, std::span<float> out) const = 0;
};

// Builds an embedder from a spec: "lexical" (defaults) or a full spec as stored in a
// catalogue, such as "lexical-v1:dim=512". Throws InputError for an unknown spec.
std::unique_ptr<Embedder> make_embedder(std::string_view spec);

}  // namespace picdex
