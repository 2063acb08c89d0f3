// The pretrained word vectors a learned model carries (model format 2): one vector per
// known word, int8 with a scale, found by the hash of the word's feature (features.hpp).
// A text's word vectors are summed in their own space; the model then projects the sum
// into its space with a learned matrix (model.hpp), so a word never seen in training
// still lands near its meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace picdex::embed {

class WordTable {
 public:
  WordTable() = default;  // no words
  // From float vectors (hashes.size() x dims, hashes ascending), quantised to int8.
  WordTable(std::uint32_t dims, std::vector<std::uint64_t> hashes, std::span<const float> vectors);
  // From stored parts, as read from a model file (checked by the reader).
  WordTable(std::uint32_t dims, std::vector<std::uint64_t> hashes, std::vector<float> scales,
            std::vector<std::int8_t> values);

  bool empty() const { return hashes_.empty(); }
  std::size_t size() const { return hashes_.size(); }
  std::uint32_t dims() const { return dims_; }
  std::span<const std::uint64_t> hashes() const { return hashes_; }
  std::span<const float> scales() const { return scales_; }
  std::span<const std::int8_t> values() const { return values_; }

  // The word whose feature hash is `hash`, if this table has it.
  std::optional<std::size_t> find(std::uint64_t hash) const;
  // sum += weight * (the word's vector, as stored)
  void add(std::size_t word, float weight, std::span<float> sum) const;

 private:
  std::uint32_t dims_ = 0;
  std::vector<std::uint64_t> hashes_;
  std::vector<float> scales_;
  std::vector<std::int8_t> values_;
};

// Rows of int8 with one float scale each: `rows.size() / dims` rows.
void quantise_rows(std::span<const float> rows, std::size_t dims, std::vector<float>& scales,
                   std::vector<std::int8_t>& values);

}  // namespace picdex::embed
