// CLIP's image preprocessing, as OpenAI's `clip.load` builds it from torchvision's
// transforms on a Pillow image: the shorter side resized to the model's input size with
// Pillow's bicubic filter, the centre square cropped, scaled to [0, 1] and normalised
// with CLIP's per-channel mean and deviation. The resize reproduces Pillow's
// ImagingResample for 8-bit images bit for bit: separable, antialiased (the kernel widens
// when shrinking), fixed-point weights, the horizontal pass first and rounded to 8 bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "embed/image_file.hpp"

namespace picdex::embed {

// `image` resized with Pillow's bicubic filter to width x height.
RgbImage resize_bicubic(const RgbImage& image, std::size_t width, std::size_t height);

// The model's input for `image`: 3 * resolution^2 floats, channel by channel.
std::vector<float> clip_preprocess(const RgbImage& image, std::size_t resolution);

}  // namespace picdex::embed
