// Build-time tool: compiles WordNet 3.0's noun hierarchy (Debian's wordnet-base, in
// /usr/share/wordnet) into C++ tables for the lexical embedder's concept features.
//
// Usage: make_lexicon WORDNET_DIR OUTPUT.cpp
//
// Kept: single-word, lower-case noun lemmas whose noun reading is at least as common
// (WordNet's tagged sense counts) as a verb reading of the same word form; each lemma maps
// to its most frequent sense. Kept synsets: those senses and all their hypernyms.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& message) {
  std::cerr << "make_lexicon: " << message << "\n";
  std::exit(1);
}

std::vector<std::string> fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

std::ifstream open(const std::string& path) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path + " (install Debian's wordnet-base)");
  return in;
}

struct IndexEntry {
  std::vector<std::string> offsets;  // synsets, most frequent sense first
  int tagged = 0;                    // senses tagged in the semantic concordance
};

// index.POS: lemma pos synset_cnt p_cnt [ptr...] sense_cnt tagsense_cnt offset...
std::map<std::string, IndexEntry> read_index(const std::string& path) {
  auto in = open(path);
  std::map<std::string, IndexEntry> index;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ' ') continue;  // licence header
    const auto f = fields(line);
    if (f.size() < 6) die(path + ": malformed line: " + line);
    const auto pointers = std::stoul(f[3]);
    IndexEntry entry;
    entry.tagged = std::stoi(f[5 + pointers]);
    entry.offsets.assign(f.begin() + 6 + static_cast<long>(pointers), f.end());
    index[f[0]] = std::move(entry);
  }
  return index;
}

// data.noun: offset lex_filenum ss_type w_cnt(hex) [word lex_id]... p_cnt [sym offset pos st]...
std::unordered_map<std::string, std::vector<std::string>> read_hypernyms(const std::string& path) {
  auto in = open(path);
  std::unordered_map<std::string, std::vector<std::string>> hypernyms;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ' ') continue;
    const auto f = fields(line);
    const auto words = std::stoul(f[3], nullptr, 16);
    const auto at = 4 + 2 * words;
    const auto pointers = std::stoul(f[at]);
    auto& parents = hypernyms[f[0]];
    for (std::size_t i = 0; i < pointers; ++i) {
      const auto& symbol = f[at + 1 + 4 * i];
      if ((symbol == "@" || symbol == "@i") && f[at + 3 + 4 * i] == "n")
        parents.push_back(f[at + 2 + 4 * i]);
    }
  }
  return hypernyms;
}

// POS.exc: inflected base...
std::map<std::string, std::string> read_exceptions(const std::string& path) {
  auto in = open(path);
  std::map<std::string, std::string> exceptions;
  for (std::string line; std::getline(in, line);) {
    const auto f = fields(line);
    if (f.size() >= 2) exceptions.emplace(f[0], f[1]);
  }
  return exceptions;
}

bool plain_word(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// The most tagged verb lemma this form can be an inflection of (WordNet's morphy rules).
int verb_tagged(const std::string& form, const std::map<std::string, IndexEntry>& verbs,
                const std::map<std::string, std::string>& verb_exceptions) {
  int best = 0;
  auto consider = [&](const std::string& lemma) {
    if (auto it = verbs.find(lemma); it != verbs.end()) best = std::max(best, it->second.tagged);
  };
  consider(form);
  if (auto it = verb_exceptions.find(form); it != verb_exceptions.end()) consider(it->second);
  static const std::pair<const char*, const char*> kRules[] = {
      {"s", ""},   {"ies", "y"}, {"es", "e"},  {"es", ""},
      {"ed", "e"}, {"ed", ""},   {"ing", "e"}, {"ing", ""}};
  for (const auto& [suffix, ending] : kRules) {
    const std::string s = suffix;
    if (form.size() > s.size() && form.compare(form.size() - s.size(), s.size(), s) == 0)
      consider(form.substr(0, form.size() - s.size()) + ending);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) die("usage: make_lexicon WORDNET_DIR OUTPUT.cpp");
  const std::string dir = std::string(argv[1]) + "/";
  const auto nouns = read_index(dir + "index.noun");
  const auto verbs = read_index(dir + "index.verb");
  const auto hypernyms = read_hypernyms(dir + "data.noun");
  const auto noun_exceptions = read_exceptions(dir + "noun.exc");
  const auto verb_exceptions = read_exceptions(dir + "verb.exc");

  // Lemma -> first sense, for nouns that are not mainly verbs.
  std::map<std::string, std::string> lemma_sense;
  for (const auto& [lemma, entry] : nouns) {
    if (!plain_word(lemma) || entry.offsets.empty()) continue;
    if (verb_tagged(lemma, verbs, verb_exceptions) > entry.tagged) continue;
    lemma_sense[lemma] = entry.offsets.front();
  }

  // Synsets: the senses and their hypernym closure, numbered in offset order.
  std::set<std::string> kept;
  std::vector<std::string> stack;
  for (const auto& [lemma, offset] : lemma_sense) stack.push_back(offset);
  while (!stack.empty()) {
    const auto offset = stack.back();
    stack.pop_back();
    if (!kept.insert(offset).second) continue;
    const auto it = hypernyms.find(offset);
    if (it == hypernyms.end()) die("data.noun has no synset " + offset);
    for (const auto& parent : it->second) stack.push_back(parent);
  }
  std::unordered_map<std::string, std::uint32_t> id;
  for (const auto& offset : kept) id.emplace(offset, static_cast<std::uint32_t>(id.size()));

  // Depth: the length of the first-hypernym chain up to the root.
  std::vector<int> depth(kept.size(), -1);
  for (const auto& offset : kept) {
    int d = 0;
    for (auto at = offset; !hypernyms.at(at).empty(); at = hypernyms.at(at).front()) ++d;
    depth[id.at(offset)] = std::min(d, 255);
  }

  // Exceptions (irregular plurals) whose base is a kept lemma and not itself a lemma.
  std::map<std::string, std::string> exceptions;
  for (const auto& [form, base] : noun_exceptions)
    if (plain_word(form) && lemma_sense.count(base) && !lemma_sense.count(form))
      exceptions[form] = base;

  std::ofstream out(argv[2]);
  if (!out) die(std::string("cannot write ") + argv[2]);
  out << "// Generated by lib/tools/make_lexicon.cpp from WordNet 3.0. Do not edit.\n"
         "// WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.\n"
         "#include \"embed/wordnet.hpp\"\n\nnamespace picdex::embed::wordnet {\n\n";
  // Strings as one block of NUL-terminated text plus offsets (see Strings in wordnet.hpp).
  // Each literal is closed after its NUL, so a word starting with a digit cannot extend
  // the octal escape.
  auto strings = [&](const char* name, const std::vector<std::string>& words) {
    out << "static const char k" << name << "Text[] =\n";
    for (const auto& w : words) out << "\"" << w << "\\0\"\n";
    out << ";\nstatic const std::uint32_t k" << name << "At[] = {\n";
    std::size_t at = 0;
    for (const auto& w : words) {
      out << at << ",";
      at += w.size() + 1;
    }
    out << "};\nconst Strings k" << name << "{k" << name << "Text, k" << name << "At, "
        << words.size() << "};\n\n";
  };
  std::vector<std::string> lemmas, forms, bases;
  for (const auto& [lemma, offset] : lemma_sense) lemmas.push_back(lemma);
  for (const auto& [form, base] : exceptions) {
    forms.push_back(form);
    bases.push_back(base);
  }
  // Lemmas: sorted, each with its synset id.
  strings("Lemmas", lemmas);
  out << "const std::uint32_t kLemmaSynset[] = {\n";
  for (const auto& [lemma, offset] : lemma_sense) out << id.at(offset) << ",";
  out << "};\n\n";
  strings("ExceptionForms", forms);
  strings("ExceptionBases", bases);
  out << "const std::uint32_t kSynsetCount = " << kept.size() << ";\n";
  out << "const std::uint8_t kDepth[] = {\n";
  for (int d : depth) out << d << ",";
  out << "};\nconst std::uint32_t kParentStart[] = {\n";
  std::uint32_t start = 0;
  std::vector<std::uint32_t> parents;
  for (const auto& offset : kept) {
    out << start << ",";
    for (const auto& parent : hypernyms.at(offset)) parents.push_back(id.at(parent));
    start = static_cast<std::uint32_t>(parents.size());
  }
  out << start << ",};\nconst std::uint32_t kParents[] = {\n";
  for (auto p : parents) out << p << ",";
  out << "};\n\n}  // namespace picdex::embed::wordnet\n";
  if (!out.flush()) die(std::string("cannot write ") + argv[2]);
  std::cerr << "make_lexicon: " << lemma_sense.size() << " lemmas, " << exceptions.size()
            << " irregular forms, " << kept.size() << " concepts\n";
  return 0;
}
