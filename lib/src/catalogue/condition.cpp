// Condition::parse: the text form of a metadata condition ("year>=2015", "tag in a,b").
#include "io/number.hpp"
#include "io/utf8.hpp"
#include "picdex/error.hpp"
#include "picdex/filter.hpp"

namespace picdex {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

Condition Condition::parse(std::string_view text) {
  const auto fail = [&](const std::string& why) {
    return InputError("where '" + std::string(text) + "': " + why);
  };
  if (!io::valid_utf8(text)) throw fail("is not valid UTF-8");
  Condition out;
  // " in " first: a key or value may hold '=' or '<' only after it.
  std::size_t at = text.find(" in ");
  const auto assign = text.find_first_of("=!<>");
  std::string_view value;
  if (at != std::string_view::npos && (assign == std::string_view::npos || at < assign)) {
    out.op = Op::in;
    out.key = trim(text.substr(0, at));
    value = text.substr(at + 4);
    for (std::size_t from = 0;;) {
      const auto comma = value.find(',', from);
      out.values.emplace_back(trim(value.substr(from, comma - from)));
      if (out.values.back().empty()) throw fail("an empty value in the list");
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
  } else {
    if (assign == std::string_view::npos)
      throw fail("expected KEY=VALUE, KEY!=VALUE, KEY<N, KEY<=N, KEY>N, KEY>=N or KEY in A,B");
    struct Spelling {
      std::string_view text;
      Op op;
    };
    static constexpr Spelling kOps[] = {{"!=", Op::not_equal},     {"<=", Op::less_equal},
                                        {">=", Op::greater_equal}, {"=", Op::equal},
                                        {"<", Op::less},           {">", Op::greater}};
    const auto rest = text.substr(assign);
    const Spelling* found = nullptr;
    for (const auto& s : kOps)
      if (rest.starts_with(s.text)) {
        found = &s;
        break;
      }
    if (!found) throw fail("'!' must be followed by '='");
    out.op = found->op;
    out.key = trim(text.substr(0, assign));
    value = text.substr(assign + found->text.size());
    out.values.emplace_back(trim(value));
    if (out.op == Op::equal && out.values[0].starts_with('='))
      throw fail("'==' is written '=' here (" + std::string(trim(text.substr(0, assign))) + "=" +
                 std::string(trim(out.values[0].substr(1))) + ")");
    const bool numeric = out.op != Op::equal && out.op != Op::not_equal;
    if (numeric && !io::finite_number(out.values[0]))
      throw fail("'" + std::string(found->text) + "' compares numbers; '" + out.values[0] +
                 "' is not one");
  }
  if (out.key.empty()) throw fail("the key is empty");
  return out;
}

const char* comparison_symbol(Condition::Op op) {
  switch (op) {
    case Condition::Op::less:
      return "<";
    case Condition::Op::less_equal:
      return "<=";
    case Condition::Op::greater:
      return ">";
    case Condition::Op::greater_equal:
      return ">=";
    default:
      return nullptr;
  }
}

}  // namespace picdex
