#include "index/unit_vector.hpp"

#include <cmath>

#include "picdex/error.hpp"

namespace picdex::index {

std::vector<float> unit_vector(std::span<const float> v, std::size_t dim, const std::string& what) {
  if (v.size() != dim)
    throw InputError({.field = what}, "has " + std::to_string(v.size()) +
                                          " dimensions; the catalogue has " + std::to_string(dim));
  double norm = 0;
  for (float x : v) {
    if (!std::isfinite(x)) throw InputError({.field = what}, "holds NaN or infinity");
    norm += static_cast<double>(x) * x;
  }
  if (norm == 0) throw InputError({.field = what}, "is zero");
  std::vector<float> out(v.begin(), v.end());
  const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& x : out) x *= scale;
  return out;
}

}  // namespace picdex::index
