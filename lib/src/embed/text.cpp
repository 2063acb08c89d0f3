#include "embed/text.hpp"

#include <libstemmer.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <memory>

#include "picdex/error.hpp"

namespace picdex::embed {

std::string normalise(std::string_view text) {
  utf8proc_uint8_t* out = nullptr;
  const auto options =
      static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                     UTF8PROC_STRIPMARK | UTF8PROC_IGNORE | UTF8PROC_STABLE);
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                              static_cast<utf8proc_ssize_t>(text.size()), &out, options);
  if (n < 0) throw InputError(std::string("text is not valid UTF-8: ") + utf8proc_errmsg(n));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string current;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t i = 0;
  const auto size = static_cast<utf8proc_ssize_t>(s.size());
  while (i < size) {
    utf8proc_int32_t cp;
    const auto len = utf8proc_iterate(p + i, size - i, &cp);
    if (len <= 0) break;  // normalise() already rejected invalid input
    const auto category = utf8proc_category(cp);
    const bool word_char = (category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO) ||
                           (category >= UTF8PROC_CATEGORY_ND && category <= UTF8PROC_CATEGORY_NO);
    if (word_char) {
      current.append(s.substr(static_cast<std::size_t>(i), static_cast<std::size_t>(len)));
    } else if (!current.empty()) {
      out.push_back(std::move(current));
      current.clear();
    }
    i += len;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

bool is_stop_word(std::string_view word) {
  // Function words of English captions: articles, pronouns, auxiliaries, prepositions,
  // conjunctions. Sorted for binary search.
  static constexpr std::string_view kStop[] = {
      "a",     "about",   "above",  "after",   "again", "against", "all",   "am",     "an",
      "and",   "any",     "are",    "as",      "at",    "be",      "been",  "before", "being",
      "below", "both",    "but",    "by",      "can",   "could",   "d",     "did",    "do",
      "does",  "doing",   "down",   "during",  "each",  "few",     "for",   "from",   "further",
      "had",   "has",     "have",   "having",  "he",    "her",     "here",  "hers",   "herself",
      "him",   "himself", "his",    "how",     "i",     "if",      "in",    "into",   "is",
      "it",    "its",     "itself", "just",    "ll",    "m",       "me",    "more",   "most",
      "my",    "myself",  "no",     "nor",     "not",   "now",     "o",     "of",     "off",
      "on",    "once",    "only",   "or",      "other", "our",     "ours",  "out",    "over",
      "own",   "re",      "s",      "same",    "she",   "should",  "so",    "some",   "such",
      "t",     "than",    "that",   "the",     "their", "them",    "then",  "there",  "these",
      "they",  "this",    "those",  "through", "to",    "too",     "under", "until",  "up",
      "very",  "was",     "we",     "were",    "what",  "when",    "where", "which",  "while",
      "who",   "whom",    "why",    "will",    "with",  "you",     "your"};
  static_assert(std::is_sorted(std::begin(kStop), std::end(kStop)));
  return std::binary_search(std::begin(kStop), std::end(kStop), word);
}

Stemmer::Stemmer() : stemmer_(sb_stemmer_new("english", "UTF_8")) {
  if (!stemmer_) throw Error("libstemmer has no English stemmer");
}

Stemmer::~Stemmer() {
  sb_stemmer_delete(stemmer_);
}

std::string Stemmer::stem(std::string_view word) {
  const auto* out = sb_stemmer_stem(stemmer_, reinterpret_cast<const sb_symbol*>(word.data()),
                                    static_cast<int>(word.size()));
  if (!out) throw Error("out of memory while stemming");
  return std::string(reinterpret_cast<const char*>(out),
                     static_cast<std::size_t>(sb_stemmer_length(stemmer_)));
}

}  // namespace picdex::embed
