// A learned encoder's model file: one row of `dims` numbers per feature of a vocabulary
// (64-bit feature hashes, see features.hpp), plus `buckets` shared rows that any other
// feature hashes into, so unseen words still embed. Rows are int8 with a float scale.
// Format 2 adds pretrained word vectors (word_table.hpp) and a learned `dims` x word-dims
// projection of them: a text's vector is its rows plus the projection of its words' sum.
//
// Layout (little-endian): "PDXMODL1", u32 format version (1 or 2), u32 dims, the feature
// weights as f32 (stem, bigram, trigram, concepts; format 2: and words), u32 WordNet
// fingerprint (0 without concepts), u32 vocabulary size, u32 buckets, format 2: u32 words
// and u32 word dims; vocabulary hashes (u64, ascending), rows (f32 scale then dims x i8
// each); format 2: word hashes (u64, ascending), word vectors (f32 scale then word dims x
// i8 each), the projection (word dims x dims f32: one column of `dims` numbers per
// word dimension); last an XXH3-64 checksum of
// everything before it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "embed/features.hpp"
#include "embed/quantised_rows.hpp"
#include "embed/sorted_hashes.hpp"
#include "embed/word_table.hpp"

namespace picdex::embed {

// The row a feature uses: its own when `hash` is in the (sorted) vocabulary, else one of
// the `buckets` shared rows after it. Training and embedding must agree on this exactly.
std::size_t feature_row(std::span<const std::uint64_t> vocabulary, std::uint32_t buckets,
                        std::uint64_t hash);

class Model {
 public:
  // From trained float rows (vocabulary rows first, then buckets), quantised to int8;
  // with word vectors (format 2) when `words` is not empty, `projection` then being
  // words.dims() columns of dims floats.
  Model(std::uint32_t dims, const FeatureWeights& weights, std::vector<std::uint64_t> vocabulary,
        std::uint32_t buckets, std::span<const float> rows, WordTable words = {},
        std::span<const float> projection = {});

  // Reads and checks a model file. Throws FormatError, naming `name` and what is wrong,
  // if it is not a sound model file. The model refers to `bytes` (kept alive by `owner`,
  // or static when owner is null) rather than copying its rows and hashes.
  static Model read(std::span<const std::byte> bytes, const std::string& name,
                    std::shared_ptr<const void> owner = nullptr);
  // A model compiled into the library, whose bytes the test suite checks whole
  // (learned_test's "the built-in models check out whole"): read as read() does but
  // without hashing the file, scanning its rows or hashing the WordNet tables it was
  // trained with, which would cost milliseconds at each start. The fingerprint is the
  // checksum the file holds. `hash_index` is the model's hash_index(), made by the build
  // (lib/tools/make_model_index.cpp), or empty to build it now.
  static Model read_built_in(std::span<const std::byte> bytes, const std::string& name,
                             std::span<const std::byte> hash_index = {});
  // The indexes of its vocabulary's and its words' hashes (SortedHashes::index_bytes()),
  // one after the other: what read_built_in() takes.
  std::vector<std::byte> hash_index() const;
  // Throws NotFoundError if the file cannot be read.
  static Model load(const std::filesystem::path& path);
  // Writes the file atomically (temp file, rename). Throws IoError.
  void save(const std::filesystem::path& path) const;

  std::uint32_t dims() const { return dims_; }
  const FeatureWeights& weights() const { return weights_; }
  std::uint64_t file_bytes() const { return file_bytes_; }
  // The first 8 hex digits of the file's checksum: names the model in embedder specs.
  const std::string& fingerprint() const { return fingerprint_; }

  // feature_row(), through the index.
  std::size_t row_of(std::uint64_t hash) const {
    if (const auto at = vocabulary_.find(hash)) return *at;
    return vocabulary_.size() + hash % buckets_;
  }
  bool in_vocabulary(std::size_t row) const { return row < vocabulary_.size(); }
  // out += weight * row
  void add_row(std::size_t row, float weight, std::span<float> out) const {
    rows_.add(row, weight, out);
  }
  void prefetch_row(std::size_t row) const { rows_.prefetch(row); }

  // Format 2: the pretrained word vectors (empty in format 1) and their projection.
  const WordTable& words() const { return words_; }
  // out += projection * sum, `sum` being a sum of word vectors.
  void project(std::span<const float> sum, std::span<float> out) const;

 private:
  Model() = default;
  std::vector<std::byte> serialise() const;  // the file's bytes
  static Model read(std::span<const std::byte> bytes, const std::string& name,
                    std::shared_ptr<const void> owner, bool whole,
                    std::span<const std::byte> hash_index = {});

  std::uint32_t dims_ = 0;
  FeatureWeights weights_;
  SortedHashes vocabulary_;
  std::uint32_t buckets_ = 0;
  QuantisedRows rows_;  // vocabulary rows, then buckets
  WordTable words_;
  std::vector<float> projection_;
  std::uint64_t file_bytes_ = 0;
  std::string fingerprint_;
};

}  // namespace picdex::embed
