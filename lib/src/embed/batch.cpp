#include "embed/batch.hpp"

#include "picdex/error.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

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
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(texts.size() / 64)));
  if (threads == 1) {
    for (std::size_t i = 0; i < texts.size(); ++i) one(i);
    return out;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::size_t failed_at = texts.size();
  std::mutex failure_mutex;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (std::size_t i; (i = next++) < texts.size();) {
        try {
          one(i);
        } catch (...) {
          std::lock_guard lock(failure_mutex);
          if (i < failed_at) failed_at = i, failure = std::current_exception();
        }
      }
    });
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);  // the first failing text, as if sequential
  return out;
}

}  // namespace picdex::embed
