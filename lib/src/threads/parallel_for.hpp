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
  // Guided: each claim takes a share of what is left, so blocks shrink to single indices
  // at the end and no thread waits long for another's last block (graph inserts cost
  // a fraction of a millisecond each).
  std::atomic<std::size_t> next{0};
  auto claim = [&](std::size_t& start, std::size_t& end) {
    std::size_t at = next.load(std::memory_order_relaxed);
    for (;;) {
      if (at >= n) return false;
      const std::size_t take = std::max<std::size_t>(1, (n - at) / (4 * threads));
      if (next.compare_exchange_weak(at, at + take)) {
        start = at;
        end = at + take;
        return true;
      }
    }
  };
  std::atomic<std::size_t> failed_at{n};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    for (std::size_t start, end; claim(start, end);) {
      for (std::size_t i = start; i < end; ++i) {
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
