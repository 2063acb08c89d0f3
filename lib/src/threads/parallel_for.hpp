// One parallel loop for the whole library, with one failure rule.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace picdex {

// Runs f(i) for every i in [0, n) on up to `threads` threads (the calling one among them),
// which claim the indices in increasing order, a block at a time. If calls throw, the
// indices above the lowest failing one are no longer started, and that lowest one's
// exception is rethrown here once every thread has stopped: what a plain loop would throw.
// Never terminates the program. Callers give each index its own output.
template <typename F>
void parallel_for(std::size_t n, unsigned threads, F&& f) {
  threads = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, threads), n));
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) f(i);
    return;
  }
  const std::size_t block = std::max<std::size_t>(1, n / (8 * threads));
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> failed_at{n};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    for (std::size_t start; (start = next.fetch_add(block)) < n;) {
      for (std::size_t i = start; i < std::min(n, start + block); ++i) {
        if (i > failed_at.load(std::memory_order_relaxed)) return;
        try {
          f(i);
        } catch (...) {
          std::lock_guard lock(failure_mutex);
          if (i < failed_at.load()) {
            failed_at = i;
            failure = std::current_exception();
          }
          return;
        }
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  try {
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  } catch (...) {  // no thread to be had: the threads started and this one do the work
  }
  work();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace picdex
