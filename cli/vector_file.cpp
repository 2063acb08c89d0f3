#include "vector_file.hpp"

#include <cstdlib>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

namespace picdex::cli {

std::vector<float> parse_vector(std::string_view text) {
  std::vector<float> out;
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    nlohmann::json array;
    try {
      array = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {  // syntax, or a number out of range
      throw InputError({.field = "vector"}, "is not valid JSON");
    }
    for (const auto& x : array) {
      if (!x.is_number()) throw InputError({.field = "vector"}, "must hold numbers only");
      out.push_back(x.get<float>());
    }
  } else {
    std::size_t at = 0;
    while ((at = text.find_first_not_of(" \t\r\n,", at)) != std::string::npos) {
      const auto end = std::min(text.find_first_of(" \t\r\n,", at), text.size());
      const std::string token(text.substr(at, end - at));
      char* stop = nullptr;
      const float value = std::strtof(token.c_str(), &stop);
      if (stop != token.c_str() + token.size())
        throw InputError({.field = "vector"}, "'" + token + "' is not a number");
      out.push_back(value);
      at = end;
    }
  }
  if (out.empty()) throw InputError({.field = "vector"}, "is empty");
  return out;
}

std::vector<LineVector> read_vectors(Input& input) {
  const std::string text(std::istreambuf_iterator<char>(input.stream()), {});
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[' &&
      nlohmann::json::accept(text.begin(), text.end()))
    return {{0, parse_vector(text)}};
  std::vector<LineVector> out;
  std::size_t number = 0;
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find('\n', at), text.size());
    const std::string_view line(text.data() + at, end - at);
    ++number;
    at = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    try {
      out.push_back({number, parse_vector(line)});
      // Refused before any search, so that no results are printed for a file that fails.
      if (const auto n = out.back().vector.size(), want = out.front().vector.size(); n != want)
        throw InputError(
            {.field = "vector"},
            "has " + std::to_string(n) + " numbers; the first vector has " + std::to_string(want));
    } catch (const InputError& e) {
      throw e.within({.file = input.source(), .line = number});
    }
  }
  if (out.empty()) throw InputError({.field = "vector"}, "the file holds none");
  return out;
}

}  // namespace picdex::cli
