// CLIP's text tokenizer: byte-level BPE over OpenAI's merges (bpe_simple_vocab_16e6.txt.gz),
// reproducing the reference tokenizer (clip/simple_tokenizer.py) without ftfy: HTML
// entities unescaped twice, whitespace runs made one space, full Unicode lower case, the
// reference's split into words, numbers and punctuation runs, then BPE per piece.
//
// Deviations from the reference, each rare in captions:
// - named HTML entities: only amp, lt, gt, quot, apos and nbsp (and numeric ones) are
//   unescaped; Python's html.unescape knows all of HTML5's;
// - lower case: U+0130 (İ) becomes "i̇" as in Python; other context-dependent mappings
//   (a final capital sigma) take the simple mapping;
// - Unicode categories come from utf8proc's tables, which may be a version apart from
//   Python's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace picdex::embed {

class ClipTokenizer {
 public:
  static constexpr std::int32_t kStartToken = 49406;  // <|startoftext|>
  static constexpr std::int32_t kEndToken = 49407;    // <|endoftext|>
  static constexpr std::size_t kContextLength = 77;

  // Reads the merges (gzip-compressed text, as OpenAI ships them). NotFoundError when the
  // file cannot be read; FormatError when it does not hold CLIP's 48,894 merges.
  explicit ClipTokenizer(const std::filesystem::path& merges_gz);

  // The ids of `text` between the start and end tokens, no padding. Longer than
  // `context` ids, it is cut to context - 1 and the end token kept.
  std::vector<std::int32_t> encode(std::string_view text,
                                   std::size_t context = kContextLength) const;

 private:
  // The ids of one piece of text after the byte-to-symbol mapping.
  void bpe(const std::vector<std::string>& symbols, std::vector<std::int32_t>& out) const;

  std::unordered_map<std::string, std::int32_t> vocabulary_;
  std::unordered_map<std::string, std::int32_t> merge_rank_;  // "first second" -> rank
  std::vector<std::string> byte_symbol_;                      // byte -> its UTF-8 symbol
};

}  // namespace picdex::embed
