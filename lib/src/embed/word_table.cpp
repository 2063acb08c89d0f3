#include "embed/word_table.hpp"

#include <algorithm>

#include "picdex/error.hpp"

namespace picdex::embed {

WordTable::WordTable(SortedHashes hashes, QuantisedRows vectors)
    : hashes_(std::move(hashes)), vectors_(std::move(vectors)) {
  if (vectors_.size() != hashes_.size()) throw Error("word table: sizes do not match");
}

}  // namespace picdex::embed
