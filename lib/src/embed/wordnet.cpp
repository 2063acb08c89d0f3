#include "embed/wordnet.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

namespace picdex::embed::wordnet {
namespace {

// <0, 0 or >0 as the NUL-terminated `entry` sorts before, with or after `word`, bytes
// compared unsigned (as std::string_view compares them), without measuring `entry` first.
int compare(const char* entry, std::string_view word) {
  for (std::size_t i = 0;; ++i) {
    const auto e = static_cast<unsigned char>(entry[i]);
    if (i == word.size()) return e == 0 ? 0 : 1;
    if (e == 0) return -1;  // the entry is a prefix of the word
    const auto w = static_cast<unsigned char>(word[i]);
    if (e != w) return e < w ? -1 : 1;
  }
}

// Index of `word` in a sorted table, or -1.
long find(const Strings& table, std::string_view word) {
  std::uint32_t low = 0, high = table.count;  // lower bound in [low, high)
  while (low < high) {
    const auto mid = low + (high - low) / 2;
    if (compare(table[mid], word) < 0)
      low = mid + 1;
    else
      high = mid;
  }
  return low < table.count && compare(table[low], word) == 0 ? static_cast<long>(low) : -1;
}

std::optional<std::uint32_t> lemma(std::string_view word) {
  const auto i = find(kLemmas, word);
  if (i < 0) return std::nullopt;
  return kLemmaSynset[i];
}

}  // namespace

std::optional<std::uint32_t> concept_of(std::string_view word) {
  if (auto found = lemma(word)) return found;
  if (const auto i = find(kExceptionForms, word); i >= 0) return lemma(kExceptionBases[i]);
  // WordNet's detachment rules for nouns, tried in order.
  static constexpr std::pair<std::string_view, std::string_view> kRules[] = {
      {"s", ""},      {"ses", "s"},   {"xes", "x"},   {"zes", "z"},
      {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}};
  std::string base;
  for (const auto& [suffix, ending] : kRules) {
    if (word.size() <= suffix.size() || !word.ends_with(suffix)) continue;
    base.assign(word.substr(0, word.size() - suffix.size()));
    base += ending;
    if (auto found = lemma(base)) return found;
  }
  return std::nullopt;
}

std::vector<Ancestor> ancestors(std::uint32_t synset) {
  std::vector<Ancestor> out{{synset, 0, kDepth[synset]}};
  for (std::size_t i = 0; i < out.size(); ++i) {  // breadth first: shortest distances
    const auto at = out[i];
    for (auto p = kParentStart[at.synset]; p < kParentStart[at.synset + 1]; ++p) {
      const auto parent = kParents[p];
      if (std::none_of(out.begin(), out.end(),
                       [&](const Ancestor& a) { return a.synset == parent; }))
        out.push_back({parent, at.distance + 1, kDepth[parent]});
    }
  }
  return out;
}

std::uint32_t fingerprint() {
  static const std::uint32_t value = [] {
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    for (std::uint32_t i = 0; i < kLemmas.count; ++i) {
      XXH3_64bits_update(state, kLemmas[i], std::strlen(kLemmas[i]) + 1);
      XXH3_64bits_update(state, &kLemmaSynset[i], sizeof kLemmaSynset[i]);
    }
    for (std::uint32_t i = 0; i < kExceptionForms.count; ++i) {
      XXH3_64bits_update(state, kExceptionForms[i], std::strlen(kExceptionForms[i]) + 1);
      XXH3_64bits_update(state, kExceptionBases[i], std::strlen(kExceptionBases[i]) + 1);
    }
    XXH3_64bits_update(state, kDepth, kSynsetCount);
    XXH3_64bits_update(state, kParentStart, (kSynsetCount + 1) * sizeof(std::uint32_t));
    XXH3_64bits_update(state, kParents, kParentStart[kSynsetCount] * sizeof(std::uint32_t));
    const auto digest = XXH3_64bits_digest(state);
    XXH3_freeState(state);
    return static_cast<std::uint32_t>(digest);
  }();
  return value;
}

std::string fingerprint_hex() {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", fingerprint());
  return hex;
}

}  // namespace picdex::embed::wordnet
