#include "embed/clip_tokenizer.hpp"

#include <utf8proc.h>
#include <zlib.h>

#include <array>
#include <limits>
#include <memory>

#include "picdex/error.hpp"

namespace picdex::embed {
namespace {

constexpr std::size_t kMerges = 49152 - 256 - 2;  // the reference reads this many lines

std::string utf8(char32_t cp) {
  std::array<utf8proc_uint8_t, 4> buffer{};
  const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buffer.data());
  return std::string(reinterpret_cast<const char*>(buffer.data()), static_cast<std::size_t>(n));
}

// The whole file, decompressed.
std::string read_gzip(const std::filesystem::path& path) {
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) throw NotFoundError(path.string() + ": CLIP merges file cannot be read");
  std::string text;
  std::array<char, 1 << 16> chunk{};
  for (;;) {
    const int got = gzread(file.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got < 0) throw FormatError(path.string() + ": not a readable gzip file");
    if (got == 0) break;
    text.append(chunk.data(), static_cast<std::size_t>(got));
  }
  return text;
}

// Python's str.isspace(), which `\s` and str.strip() follow.
bool is_space(char32_t cp) {
  return (cp >= 9 && cp <= 13) || (cp >= 28 && cp <= 32) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool is_letter(char32_t cp) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      return true;
    default:
      return false;
  }
}

bool is_number(char32_t cp) {
  const auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return c == UTF8PROC_CATEGORY_ND || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO;
}

// 0-9, a-f, A-F as a number; -1 otherwise.
int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One pass of Python's html.unescape, for numeric references and the common named ones.
std::string unescape(std::string_view s) {
  struct Named {
    std::string_view name, text;
    bool legacy;  // also recognised without its semicolon
  };
  static constexpr Named kNamed[] = {
      {"amp", "&", true},   {"lt", "<", true},          {"gt", ">", true},  {"quot", "\"", true},
      {"apos", "'", false}, {"nbsp", "\xC2\xA0", true}, {"AMP", "&", true}, {"LT", "<", true},
      {"GT", ">", true},    {"QUOT", "\"", true}};
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '&') {
      out += s[i++];
      continue;
    }
    std::size_t j = i + 1;
    if (j < s.size() && s[j] == '#') {  // &#NN; or &#xHH; (semicolon optional)
      const bool hex = j + 1 < s.size() && (s[j + 1] == 'x' || s[j + 1] == 'X');
      std::size_t k = j + (hex ? 2 : 1);
      std::uint64_t value = 0;
      const std::size_t digits_from = k;
      for (; k < s.size(); ++k) {
        const int digit = digit_value(s[k]);
        if (digit < 0 || digit >= (hex ? 16 : 10)) break;
        value = std::min<std::uint64_t>(value * (hex ? 16 : 10) + static_cast<unsigned>(digit),
                                        0x110000);  // beyond Unicode: stays invalid
      }
      if (k == digits_from) {
        out += s[i++];
        continue;
      }
      if (k < s.size() && s[k] == ';') ++k;
      const bool invalid = value == 0 || value >= 0x110000 || (value >= 0xD800 && value <= 0xDFFF);
      out += utf8(invalid ? 0xFFFD : static_cast<char32_t>(value));
      i = k;
      continue;
    }
    std::size_t k = j;
    while (k < s.size() && k - j < 32 &&
           std::string_view("\t\n\f <&#;").find(s[k]) == std::string_view::npos)
      ++k;
    const auto name = s.substr(j, k - j);
    const bool semicolon = k < s.size() && s[k] == ';';
    const Named* found = nullptr;
    for (const auto& n : kNamed)
      if (name == n.name && (semicolon || n.legacy)) found = &n;
    if (found) {
      out += found->text;
      i = k + (semicolon ? 1 : 0);
      continue;
    }
    // The longest legacy name the text starts with (&ampx is &x).
    for (const auto& n : kNamed)
      if (n.legacy && name.size() > n.name.size() && name.starts_with(n.name) &&
          (!found || n.name.size() > found->name.size()))
        found = &n;
    if (found) {
      out += found->text;
      i = j + found->name.size();
      continue;
    }
    out += s[i++];
  }
  return out;
}

std::u32string code_points(std::string_view s) {
  std::u32string out;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  for (std::size_t at = 0; at < s.size();) {
    utf8proc_int32_t cp = 0;
    auto n = utf8proc_iterate(p + at, static_cast<utf8proc_ssize_t>(s.size() - at), &cp);
    if (n <= 0) n = 1, cp = 0xFFFD;  // not UTF-8: one replacement per bad byte
    out += static_cast<char32_t>(cp);
    at += static_cast<std::size_t>(n);
  }
  return out;
}

// The reference's cleaning: html.unescape twice, str.strip, whitespace runs to one
// space, str.lower.
std::u32string clean(std::string_view text) {
  const auto cps = code_points(unescape(unescape(text)));
  std::u32string out;
  bool space = false;
  for (const char32_t cp : cps) {
    if (is_space(cp)) {
      space = !out.empty();
      continue;
    }
    if (space) out += U' ';
    space = false;
    if (cp == 0x130) {  // İ: lower case is i and a combining dot above
      out += U"i\u0307";
      continue;
    }
    out += static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
  }
  return out;
}

// The reference's pattern, alternatives in its order: the special tokens, contractions,
// a run of letters, one number character, a run of anything but space, letters and
// numbers. Whitespace between pieces is dropped.
std::vector<std::u32string> pieces(const std::u32string& text) {
  static const std::u32string kSpecial[] = {U"<|startoftext|>", U"<|endoftext|>"};
  static const std::u32string kContractions[] = {U"'s", U"'t",  U"'re", U"'ve",
                                                 U"'m", U"'ll", U"'d"};
  std::vector<std::u32string> out;
  const auto at = [&](std::size_t i, const std::u32string& s) {
    return text.compare(i, s.size(), s) == 0;
  };
  for (std::size_t i = 0; i < text.size();) {
    std::size_t end = i;
    for (const auto& s : kSpecial)
      if (end == i && at(i, s)) end = i + s.size();
    for (const auto& s : kContractions)
      if (end == i && at(i, s)) end = i + s.size();
    if (end == i && is_letter(text[i]))
      while (end < text.size() && is_letter(text[end])) ++end;
    if (end == i && is_number(text[i])) end = i + 1;
    if (end == i && !is_space(text[i]))
      while (end < text.size() && !is_space(text[end]) && !is_letter(text[end]) &&
             !is_number(text[end]))
        ++end;
    if (end == i) {
      ++i;  // whitespace
      continue;
    }
    out.push_back(text.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace

ClipTokenizer::ClipTokenizer(const std::filesystem::path& merges_gz) {
  // bytes_to_unicode(): printable bytes stand for themselves, the others for 256 + n.
  std::vector<int> order;  // bytes in the reference's vocabulary order
  for (int b = '!'; b <= '~'; ++b) order.push_back(b);
  for (int b = 0xA1; b <= 0xAC; ++b) order.push_back(b);
  for (int b = 0xAE; b <= 0xFF; ++b) order.push_back(b);
  byte_symbol_.assign(256, "");
  for (const int b : order) byte_symbol_[static_cast<std::size_t>(b)] = utf8(char32_t(b));
  char32_t next = 256;
  for (int b = 0; b < 256; ++b)
    if (byte_symbol_[static_cast<std::size_t>(b)].empty()) {
      byte_symbol_[static_cast<std::size_t>(b)] = utf8(next++);
      order.push_back(b);
    }

  std::int32_t id = 0;
  for (const int b : order) vocabulary_.emplace(byte_symbol_[static_cast<std::size_t>(b)], id++);
  for (const int b : order)
    vocabulary_.emplace(byte_symbol_[static_cast<std::size_t>(b)] + "</w>", id++);

  const auto text = read_gzip(merges_gz);
  std::size_t line = 0, start = 0;
  for (std::size_t end; line <= kMerges && start < text.size(); start = end + 1, ++line) {
    end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (line == 0) continue;  // the version line
    const auto merge = std::string_view(text).substr(start, end - start);
    const auto space = merge.find(' ');
    if (space == std::string_view::npos || merge.find(' ', space + 1) != std::string_view::npos)
      throw FormatError(merges_gz.string() + ":" + std::to_string(line + 1) +
                        ": not a merge (expected two symbols)");
    merge_rank_.emplace(std::string(merge), static_cast<std::int32_t>(line - 1));
    std::string joined(merge.substr(0, space));
    joined += merge.substr(space + 1);
    vocabulary_.emplace(std::move(joined), id++);
  }
  if (line != kMerges + 1)
    throw FormatError(merges_gz.string() + ": holds " + std::to_string(line ? line - 1 : 0) +
                      " merges; CLIP's vocabulary has " + std::to_string(kMerges));
  vocabulary_.emplace("<|startoftext|>", kStartToken);
  vocabulary_.emplace("<|endoftext|>", kEndToken);
}

void ClipTokenizer::bpe(const std::vector<std::string>& symbols,
                        std::vector<std::int32_t>& out) const {
  std::vector<std::string> word = symbols;
  word.back() += "</w>";
  while (word.size() > 1) {
    auto best = std::numeric_limits<std::int32_t>::max();
    std::size_t best_at = 0;
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
      const auto it = merge_rank_.find(word[i] + ' ' + word[i + 1]);
      if (it != merge_rank_.end() && it->second < best) best = it->second, best_at = i;
    }
    if (best == std::numeric_limits<std::int32_t>::max()) break;
    const std::string first = word[best_at], second = word[best_at + 1];
    std::vector<std::string> merged;
    for (std::size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
        merged.push_back(first + second);
        i += 2;
      } else {
        merged.push_back(word[i++]);
      }
    }
    word = std::move(merged);
  }
  for (const auto& symbol : word) out.push_back(vocabulary_.at(symbol));
}

std::vector<std::int32_t> ClipTokenizer::encode(std::string_view text, std::size_t context) const {
  std::vector<std::int32_t> ids{kStartToken};
  for (const auto& piece : pieces(clean(text))) {
    if (piece == U"<|startoftext|>" || piece == U"<|endoftext|>") {
      ids.push_back(piece == U"<|startoftext|>" ? kStartToken : kEndToken);
      continue;
    }
    std::vector<std::string> symbols;
    for (const char32_t cp : piece)
      for (const char byte : utf8(cp))
        symbols.push_back(byte_symbol_[static_cast<unsigned char>(byte)]);
    bpe(symbols, ids);
  }
  if (context >= 2 && ids.size() + 1 > context) ids.resize(context - 1);
  ids.push_back(kEndToken);
  return ids;
}

}  // namespace picdex::embed
