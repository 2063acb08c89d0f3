// Memory for the large tables a process builds as it opens a catalogue: a hit table's
// slots (4 MB at 100,000 captions), hnswlib's table of upper-layer lists and the lists.
// Every page of such a table is written at once, and new memory costs a page fault per
// 4 KiB page at its first touch, dear on virtual machines (about 10 µs each on the AVX-512
// one). So a block of kLargeBlock or more is prefaulted, all its pages mapped by one call
// (MAP_POPULATE, MADV_POPULATE_WRITE) rather than a fault each. Smaller blocks come from
// the heap as usual, as does every block in a build with AddressSanitizer, whose checks
// see only the heap, or in a process whose environment has PICDEX_NO_PREFAULT (to
// compare). Transparent huge pages were tried and are not used: faster still to open, but
// on that machine they made every search of the process afterwards a third slower.
#pragma once

#include <cstddef>
#include <vector>

namespace picdex::index {

inline constexpr std::size_t kLargeBlock = std::size_t{512} << 10;

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kPrefaultsLargeBlocks = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kPrefaultsLargeBlocks = false;
#else
inline constexpr bool kPrefaultsLargeBlocks = true;
#endif
#else
inline constexpr bool kPrefaultsLargeBlocks = true;
#endif

// A block of `bytes` aligned for any object (throws std::bad_alloc), and its release with
// the same `bytes`.
void* allocate_large(std::size_t bytes);
void release_large(void* block, std::size_t bytes) noexcept;

// A zeroed block of `bytes` that free() and realloc() take (for hnswlib, which frees what
// it is given); nullptr if there is no memory, as calloc().
void* calloc_large(std::size_t bytes) noexcept;

template <class T>
struct LargeTableAllocator {
  using value_type = T;
  LargeTableAllocator() = default;
  template <class U>
  LargeTableAllocator(const LargeTableAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_large(n * sizeof(T))); }
  void deallocate(T* block, std::size_t n) noexcept { release_large(block, n * sizeof(T)); }
  friend bool operator==(const LargeTableAllocator&, const LargeTableAllocator&) { return true; }
};

template <class T>
using LargeVector = std::vector<T, LargeTableAllocator<T>>;

}  // namespace picdex::index
