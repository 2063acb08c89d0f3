// Conditions on an image's metadata, for searches that only consider some images.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace picdex {

// One condition on a top-level metadata key. Matching rules:
// - equal / in: the image's value equals one of `values`: a string equal to it, a number
//   equal to it as a number ("2015" matches 2015 and 2015.0), or true/false for booleans;
// - not_equal: the key is missing, or its value is not equal in that sense;
// - less ... greater_equal: the value is a number and compares so with values[0], which
//   must be a number.
// An image matches a search's conditions when it matches every one of them.
struct Condition {
  enum class Op { equal, not_equal, less, less_equal, greater, greater_equal, in };
  std::string key;
  Op op = Op::equal;
  std::vector<std::string> values;  // one; one or more for `in`

  // Parses "KEY=VALUE", "KEY!=VALUE", "KEY<N", "KEY<=N", "KEY>N", "KEY>=N" or
  // "KEY in A,B,C". Spaces and tabs around the key and each value are dropped. Throws
  // InputError naming the text and what is wrong.
  static Condition parse(std::string_view text);

  bool operator==(const Condition&) const = default;
};

// "<", "<=", ">" or ">=" for the comparisons; nullptr for equal, not_equal and in.
const char* comparison_symbol(Condition::Op op);

}  // namespace picdex
