#include "index/large_tables.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace picdex::index {
namespace {

bool large(std::size_t bytes) {
  static const bool off = std::getenv("PICDEX_NO_PREFAULT") != nullptr;
  return !off && kPrefaultsLargeBlocks && bytes >= kLargeBlock;
}

std::size_t page_size() {
  static const auto size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

// `bytes` rounded up to whole pages (bytes is at most SIZE_MAX - the page size).
std::size_t whole_pages(std::size_t bytes) {
  return (bytes + page_size() - 1) & ~(page_size() - 1);
}

}  // namespace

void* allocate_large(std::size_t bytes) {
  if (!large(bytes)) return ::operator new(bytes);
  if (bytes > SIZE_MAX - page_size()) throw std::bad_alloc();
  void* block = mmap(nullptr, whole_pages(bytes), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (block == MAP_FAILED) throw std::bad_alloc();
  return block;
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
  void* block = std::calloc(bytes, 1);
  if (block == nullptr || !large(bytes)) return block;
  // The whole pages inside the block (most often a fresh mapping at this size; pages the
  // heap had touched are mapped already): advice, which a kernel before 5.14 refuses.
  const auto first = reinterpret_cast<std::uintptr_t>(block);
  const auto start = (first + page_size() - 1) & ~std::uintptr_t{page_size() - 1};
  const auto end = (first + bytes) & ~std::uintptr_t{page_size() - 1};
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_POPULATE_WRITE);
  return block;
}

}  // namespace picdex::index
