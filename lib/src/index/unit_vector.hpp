// Checking and normalising vectors that come from outside (queries, external vectors).
#pragma once

#include <span>
#include <string>
#include <vector>

namespace picdex::index {

// `v` scaled to unit length. Throws InputError, its field `what`, when it has another
// dimension than `dim`, holds NaN or infinity, or is zero.
std::vector<float> unit_vector(std::span<const float> v, std::size_t dim, const std::string& what);

}  // namespace picdex::index
