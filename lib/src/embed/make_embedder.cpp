#include <charconv>

#include "embed/lexical.hpp"
#include "picdex/embedder.hpp"
#include "picdex/error.hpp"

namespace picdex {
namespace {

// Parses "name[:key=value,...]" into its name and the value of `dim` (0 when absent).
std::size_t parse_dim(std::string_view spec, std::string_view params) {
  std::size_t dim = 0;
  while (!params.empty()) {
    const auto comma = params.find(',');
    const auto item = params.substr(0, comma);
    params = comma == std::string_view::npos ? "" : params.substr(comma + 1);
    const auto eq = item.find('=');
    const auto key = item.substr(0, eq);
    const auto value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    if (key != "dim")
      throw InputError("embedder '" + std::string(spec) + "': unknown parameter '" +
                       std::string(key) + "'");
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), dim);
    if (ec != std::errc() || end != value.data() + value.size())
      throw InputError("embedder '" + std::string(spec) + "': dim must be a whole number");
  }
  return dim;
}

}  // namespace

std::unique_ptr<Embedder> make_embedder(std::string_view spec) {
  const auto colon = spec.find(':');
  const auto name = spec.substr(0, colon);
  const auto params = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  if (name == "lexical" || name == "lexical-v1") {
    const auto dim = parse_dim(spec, params);
    return std::make_unique<embed::LexicalEmbedder>(dim ? dim
                                                        : embed::LexicalEmbedder::kDefaultDim);
  }
  throw InputError("unknown embedder '" + std::string(spec) + "' (this build knows: lexical)");
}

}  // namespace picdex
