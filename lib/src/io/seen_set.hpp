// A set of strings that keeps a 128-bit hash per member, 16 bytes in a sorted array plus
// a hashed tail at most a quarter of its size, for remembering millions of URIs in little
// memory. A false "seen" needs two strings with one XXH3-128
// hash: far less likely than a hardware fault.
#pragma once

#include <xxhash.h>

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <vector>

namespace picdex::io {

class SeenSet {
 public:
  // Adds `s`; false if it was a member already.
  bool insert(std::string_view s) {
    const auto k = key(s);
    if (contains(k)) return false;
    recent_.insert(k);
    // Merge once the hashed tail is a quarter of the sorted part: each member is moved a
    // bounded number of times on average, and lookups stay logarithmic.
    if (recent_.size() >= std::max<std::size_t>(64, sorted_.size() / 4)) merge();
    return true;
  }

  bool contains(std::string_view s) const { return contains(key(s)); }

 private:
  using Key = XXH128_hash_t;
  bool contains(const Key& k) const {
    return recent_.count(k) || std::binary_search(sorted_.begin(), sorted_.end(), k, less);
  }
  static Key key(std::string_view s) { return XXH3_128bits(s.data(), s.size()); }
  static bool less(const Key& a, const Key& b) {
    return std::tie(a.high64, a.low64) < std::tie(b.high64, b.low64);
  }
  struct Equal {
    bool operator()(const Key& a, const Key& b) const {
      return a.low64 == b.low64 && a.high64 == b.high64;
    }
  };
  struct Hash {
    std::size_t operator()(const Key& k) const { return k.low64; }  // already uniform
  };
  void merge() {
    const auto middle = sorted_.size();
    sorted_.insert(sorted_.end(), recent_.begin(), recent_.end());
    std::sort(sorted_.begin() + static_cast<std::ptrdiff_t>(middle), sorted_.end(), less);
    std::inplace_merge(sorted_.begin(), sorted_.begin() + static_cast<std::ptrdiff_t>(middle),
                       sorted_.end(), less);
    recent_.clear();
  }

  std::vector<Key> sorted_;
  std::unordered_set<Key, Hash, Equal> recent_;  // at most a quarter of sorted_ (or 64)
};

}  // namespace picdex::io
