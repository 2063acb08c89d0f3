// Pretrained word vectors (GloVe and the like) in picdex's own compact file, ".pdxw",
// made once from the published JSON by lib/tools/convert_word_vectors.cpp. Training reads
// it; building and embedding never need it (a model carries the vectors it uses).
//
// Layout (little-endian): "PDXWVEC1", u32 dims, u32 count, then per word, most frequent
// first: u16 byte length, the word (UTF-8), dims x f32; last an XXH3-64 checksum of
// everything before it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace picdex::learn {

struct WordVectors {
  std::uint32_t dims = 0;
  std::vector<std::string> words;  // most frequent first
  std::vector<float> values;       // words.size() x dims

  std::span<const float> vector(std::size_t i) const { return {values.data() + i * dims, dims}; }

  // Reads and checks a .pdxw file. Throws NotFoundError if it cannot be read, FormatError
  // naming the file if it is not a sound one.
  static WordVectors load(const std::filesystem::path& path);
};

// Writes a .pdxw file one word at a time (the whole set never sits in memory), to a
// temporary name renamed into place by finish(). Throws IoError.
class WordVectorWriter {
 public:
  WordVectorWriter(const std::filesystem::path& path, std::uint32_t dims);
  ~WordVectorWriter();
  void add(std::string_view word, std::span<const float> vector);
  std::uint32_t count() const { return count_; }
  void finish();

 private:
  void write(const void* data, std::size_t n);
  std::filesystem::path path_, tmp_;
  std::uint32_t dims_;
  std::uint32_t count_ = 0;
  std::ofstream out_;
  bool finished_ = false;
};

}  // namespace picdex::learn
