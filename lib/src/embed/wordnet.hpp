// WordNet 3.0's noun hierarchy, compiled into the library at build time by
// lib/tools/make_lexicon.cpp: maps an English word to a concept (its most frequent noun
// sense) and a concept to its hypernyms ("cat" -> feline -> carnivore -> ... -> animal).
// WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace picdex::embed::wordnet {

// A table of strings stored as one block of NUL-terminated text and their offsets: a
// table of pointers would cost the loader a relocation per entry at every start.
struct Strings {
  const char* text;
  const std::uint32_t* at;
  std::uint32_t count;
  const char* operator[](std::uint32_t i) const { return text + at[i]; }
};

// The generated tables (see make_lexicon.cpp for their layout).
extern const Strings kLemmas;  // sorted
extern const std::uint32_t kLemmaSynset[];
extern const Strings kExceptionForms;  // sorted
extern const Strings kExceptionBases;
extern const std::uint32_t kSynsetCount;
extern const std::uint8_t kDepth[];         // steps from the root of the hierarchy
extern const std::uint32_t kParentStart[];  // kSynsetCount + 1 entries into kParents
extern const std::uint32_t kParents[];

// The concept a lower-case word names, after WordNet's noun morphology ("dogs" -> dog,
// "mice" -> mouse), or nullopt for words that are not nouns or mainly verbs.
std::optional<std::uint32_t> concept_of(std::string_view word);

struct Ancestor {
  std::uint32_t synset;
  int distance;  // 0 for the concept itself
  int depth;
};
// The concept and all its hypernyms, each once at its shortest distance.
std::vector<Ancestor> ancestors(std::uint32_t synset);

// A checksum of the tables, so that catalogues notice a different WordNet build; and the
// same as 8 hex digits, as embedder specs and messages show it.
std::uint32_t fingerprint();
std::string fingerprint_hex();

}  // namespace picdex::embed::wordnet
