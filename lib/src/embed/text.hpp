// Text normalisation and word splitting shared by the text embedders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct sb_stemmer;

namespace picdex::embed {

// NFKC, case folded, accents stripped. Invalid UTF-8 is an InputError.
std::string normalise(std::string_view text);

// Runs of letters and digits from normalised text, in order.
std::vector<std::string> words(std::string_view normalised);

// True for common English function words ("a", "the", "on", ...).
bool is_stop_word(std::string_view word);

// English Snowball stem. Not thread-safe: one Stemmer per thread.
class Stemmer {
 public:
  Stemmer();
  ~Stemmer();
  Stemmer(const Stemmer&) = delete;
  Stemmer& operator=(const Stemmer&) = delete;
  std::string stem(std::string_view word);

 private:
  ::sb_stemmer* stemmer_;
};

}  // namespace picdex::embed
