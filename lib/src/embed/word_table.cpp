#include "embed/word_table.hpp"

#include <algorithm>

#include "picdex/error.hpp"

namespace picdex::embed {

WordTable::WordTable(std::vector<std::uint64_t> hashes, QuantisedRows vectors)
    : hashes_(std::move(hashes)), vectors_(std::move(vectors)) {
  if (vectors_.size() != hashes_.size()) throw Error("word table: sizes do not match");
  if (!std::is_sorted(hashes_.begin(), hashes_.end())) throw Error("word table: not sorted");
  index_ = HashIndex(hashes_);
}

WordTable& WordTable::operator=(WordTable&& other) noexcept {
  hashes_ = std::move(other.hashes_);  // the vector's buffer moves: the index stays valid
  vectors_ = std::move(other.vectors_);
  index_ = std::move(other.index_);
  return *this;
}

}  // namespace picdex::embed
