// VisitedMarks: which elements one graph search has seen, cleared for the next search by
// a new tag rather than a pass over every mark. Per thread, reused search after search.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace picdex::index {

class VisitedMarks {
 public:
  // Starts a search over ids below `elements`: none seen yet.
  void begin(std::size_t elements) {
    if (marks_.size() < elements) marks_.resize(std::max(elements, marks_.size() * 2), 0);
    if (++tag_ == 0) {  // wrapped: old marks could collide with the new tag
      std::fill(marks_.begin(), marks_.end(), 0);
      tag_ = 1;
    }
  }
  // True the first time this search meets `id` (which it then marks seen), false after.
  bool first_visit(std::uint32_t id) {
    if (marks_[id] == tag_) return false;
    marks_[id] = tag_;
    return true;
  }

 private:
  std::vector<std::uint16_t> marks_;  // marks_[id] == tag_: seen in this search
  std::uint16_t tag_ = 0;
};

}  // namespace picdex::index
