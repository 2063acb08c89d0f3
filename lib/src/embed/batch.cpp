#include "embed/batch.hpp"

#include "picdex/error.hpp"
#include "threads/parallel_for.hpp"

namespace picdex::embed {

std::vector<float> embed_all(const Embedder& embedder, const std::vector<std::string_view>& texts,
                             unsigned threads,
                             const std::function<InputPlace(std::size_t)>& place_of) {
  const auto dim = embedder.dim();
  std::vector<float> out(texts.size() * dim);
  if (embedder.batches()) {  // a network: batched forward passes on its own threads
    embedder.embed_batch(texts, out, threads);
    return out;
  }
  auto one = [&](std::size_t i) {
    try {
      embedder.embed(texts[i], {out.data() + i * dim, dim});
    } catch (const InputError& e) {
      throw e.within(place_of(i));
    }
  };
  // Threads pay off for batches of more than a few dozen texts.
  parallel_for(texts.size(), std::min<unsigned>(threads, texts.size() / 64), one);
  return out;
}

}  // namespace picdex::embed
