// The vectors of `picdex search --vector-file`: one a line, or one JSON array that may
// span lines.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "common.hpp"

namespace picdex::cli {

// One vector: a JSON array of numbers, or numbers separated by white space or commas.
// Throws InputError naming the field ("vector") and what is wrong.
std::vector<float> parse_vector(std::string_view text);

struct LineVector {
  std::size_t line;  // from 1; 0 for a JSON array spanning lines
  std::vector<float> vector;
};

// The vectors of a --vector-file: one per non-blank line; or, where the whole text is
// one JSON array (which may span lines), that one. All of the same length, else an
// InputError naming the file and line.
std::vector<LineVector> read_vectors(Input& input);

}  // namespace picdex::cli
