// Memory for the large tables a process builds as it opens a catalogue: a hit table's
// slots (4 MB at 100,000 captions), hnswlib's table of upper-layer links and their lists.
// New memory costs a page fault per 4 KiB page at its first touch, and faults are dear on
// virtual machines: on one with AVX-512, 4 MB took 14 ms to touch in 4 KiB pages and 0.4
// ms in 2 MiB ones. So a block of kLargeBlock or more takes whole 2 MiB pages of its own,
// aligned, offered to the kernel as transparent huge pages (madvise: advice, so a kernel
// without them gives plain pages). It may use up to 1.5 MiB more memory than it asked for.
// Smaller blocks come from the heap, as does every block in a build with AddressSanitizer,
// whose checks see only the heap, and in a process whose environment has
// PICDEX_NO_LARGE_PAGES (to compare, or to save the memory).
#pragma once

#include <cstddef>
#include <vector>

namespace picdex::index {

inline constexpr std::size_t kLargePage = std::size_t{2} << 20;
inline constexpr std::size_t kLargeBlock = std::size_t{512} << 10;

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kMapsLargeBlocks = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kMapsLargeBlocks = false;
#else
inline constexpr bool kMapsLargeBlocks = true;
#endif
#else
inline constexpr bool kMapsLargeBlocks = true;
#endif

// A block of `bytes` aligned for any object (throws std::bad_alloc), and its release with
// the same `bytes`.
void* allocate_large(std::size_t bytes);
void release_large(void* block, std::size_t bytes) noexcept;

// A zeroed block of `bytes` that free() and realloc() take (for hnswlib, which frees what
// it is given); nullptr if there is no memory, as calloc().
void* calloc_large(std::size_t bytes) noexcept;

template <class T>
struct LargePageAllocator {
  using value_type = T;
  LargePageAllocator() = default;
  template <class U>
  LargePageAllocator(const LargePageAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_large(n * sizeof(T))); }
  void deallocate(T* block, std::size_t n) noexcept { release_large(block, n * sizeof(T)); }
  friend bool operator==(const LargePageAllocator&, const LargePageAllocator&) { return true; }
};

template <class T>
using LargeVector = std::vector<T, LargePageAllocator<T>>;

}  // namespace picdex::index
