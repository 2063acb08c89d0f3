#include "index/large_pages.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace picdex::index {
namespace {

bool large(std::size_t bytes) {
  static const bool off = std::getenv("PICDEX_NO_LARGE_PAGES") != nullptr;
  return !off && kMapsLargeBlocks && bytes >= kLargeBlock;
}

// `bytes` rounded up to whole large pages (bytes is at most SIZE_MAX - kLargePage).
std::size_t whole_pages(std::size_t bytes) {
  return (bytes + kLargePage - 1) & ~(kLargePage - 1);
}

}  // namespace

void* allocate_large(std::size_t bytes) {
  if (!large(bytes)) return ::operator new(bytes);
  if (bytes > SIZE_MAX - 2 * kLargePage) throw std::bad_alloc();
  const std::size_t span = whole_pages(bytes);
  // One large page more than needed, so that an aligned span lies inside; then the ends go.
  void* raw =
      mmap(nullptr, span + kLargePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto first = reinterpret_cast<std::uintptr_t>(raw);
  const auto start = (first + kLargePage - 1) & ~std::uintptr_t{kLargePage - 1};
  const std::size_t head = start - first;
  if (head > 0) munmap(raw, head);
  munmap(reinterpret_cast<void*>(start + span), kLargePage - head);
  madvise(reinterpret_cast<void*>(start), span, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(start);
}

void release_large(void* block, std::size_t bytes) noexcept {
  if (block == nullptr) return;
  if (!large(bytes)) {
    ::operator delete(block);
    return;
  }
  munmap(block, whole_pages(bytes));
}

void* calloc_large(std::size_t bytes) noexcept {
  if (!large(bytes) || bytes > SIZE_MAX - kLargePage) return std::calloc(bytes, 1);
  const std::size_t span = whole_pages(bytes);
  void* block = nullptr;
  if (posix_memalign(&block, kLargePage, span) != 0) return nullptr;
  madvise(block, span, MADV_HUGEPAGE);
  std::memset(block, 0, bytes);  // (the heap may hand back used memory)
  return block;
}

}  // namespace picdex::index
