// Hard batches: consecutive images in this order are ones the model currently places
// near each other, so a batch cut from it holds negatives that are hard to tell apart.
#pragma once

#include <cstddef>
#include <random>
#include <vector>

#include "learn/encoder.hpp"
#include "learn/training_set.hpp"

namespace picdex::learn {

// `order` (a shuffle of the images) sorted stably by the signs of 16 random projections
// (drawn from `rng`) of each image's first caption, as `encoder` places it.
std::vector<std::size_t> near_order(const Encoder& encoder, const TrainingSet& set,
                                    const std::vector<std::size_t>& order, std::mt19937_64& rng,
                                    unsigned threads);

}  // namespace picdex::learn
