#include "embed/clip_preprocess.hpp"

#include <algorithm>
#include <cmath>

namespace picdex::embed {
namespace {

// Pillow's weights carry 22 fractional bits (32 - 8 for the pixel - 2 for the sum).
constexpr int kPrecisionBits = 22;

// CLIP's per-channel normalisation of pixels in [0, 1] (from its training data).
constexpr float kMean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
constexpr float kStd[3] = {0.26862954f, 0.26130258f, 0.27577711f};

// Pillow's bicubic kernel (a = -0.5), support 2.
double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// For each output position along one axis: the first input position and the fixed-point
// weights of the inputs from there.
struct Taps {
  std::size_t first = 0;
  std::vector<std::int32_t> weights;
};

std::vector<Taps> taps(std::size_t in_size, std::size_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filter_scale = std::max(scale, 1.0);
  const double support = 2.0 * filter_scale;
  std::vector<Taps> out(out_size);
  std::vector<double> w;
  for (std::size_t i = 0; i < out_size; ++i) {
    const double centre = (static_cast<double>(i) + 0.5) * scale;
    auto lo = static_cast<long>(centre - support + 0.5);  // truncation, as Pillow's (int)
    auto hi = static_cast<long>(centre + support + 0.5);
    lo = std::max(lo, 0L);
    hi = std::min(hi, static_cast<long>(in_size));
    w.clear();
    double total = 0;
    for (long x = lo; x < hi; ++x) {
      w.push_back(bicubic((static_cast<double>(x) - centre + 0.5) / filter_scale));
      total += w.back();
    }
    auto& t = out[i];
    t.first = static_cast<std::size_t>(lo);
    for (double v : w) {
      if (total != 0.0) v /= total;
      const double fixed = v * (1 << kPrecisionBits);
      t.weights.push_back(static_cast<std::int32_t>(v < 0 ? fixed - 0.5 : fixed + 0.5));
    }
  }
  return out;
}

// The fixed-point sum back to 8 bits.
std::uint8_t clip8(std::int64_t sum) {
  return static_cast<std::uint8_t>(std::clamp<std::int64_t>(sum >> kPrecisionBits, 0, 255));
}

// Python's round() of a half-integer goes to even, as torchvision's centre crop rounds.
std::size_t crop_start(std::size_t size, std::size_t crop) {
  const auto excess = size - crop, half = excess / 2;
  return excess % 2 == 0 || half % 2 == 0 ? half : half + 1;
}

}  // namespace

RgbImage resize_bicubic(const RgbImage& image, std::size_t width, std::size_t height) {
  if (width == image.width && height == image.height) return image;  // as Pillow: a copy
  const auto columns = taps(image.width, width);
  const auto rows = taps(image.height, height);
  // Horizontal pass over the input rows the vertical pass reads.
  const auto first_row = rows.front().first;
  const auto end_row = rows.back().first + rows.back().weights.size();
  RgbImage wide{width, end_row - first_row, {}};
  wide.pixels.resize(wide.width * wide.height * 3);
  for (std::size_t y = 0; y < wide.height; ++y) {
    const auto* in = image.pixels.data() + (first_row + y) * image.width * 3;
    auto* out = wide.pixels.data() + y * width * 3;
    for (std::size_t x = 0; x < width; ++x)
      for (std::size_t c = 0; c < 3; ++c) {
        std::int64_t sum = std::int64_t{1} << (kPrecisionBits - 1);
        const auto& t = columns[x];
        for (std::size_t k = 0; k < t.weights.size(); ++k)
          sum += std::int64_t{in[(t.first + k) * 3 + c]} * t.weights[k];
        out[x * 3 + c] = clip8(sum);
      }
  }
  RgbImage out{width, height, {}};
  out.pixels.resize(width * height * 3);
  for (std::size_t y = 0; y < height; ++y) {
    const auto& t = rows[y];
    for (std::size_t x = 0; x < width; ++x)
      for (std::size_t c = 0; c < 3; ++c) {
        std::int64_t sum = std::int64_t{1} << (kPrecisionBits - 1);
        for (std::size_t k = 0; k < t.weights.size(); ++k)
          sum += std::int64_t{wide.pixels[((t.first - first_row + k) * width + x) * 3 + c]} *
                 t.weights[k];
        out.pixels[(y * width + x) * 3 + c] = clip8(sum);
      }
  }
  return out;
}

std::vector<float> clip_preprocess(const RgbImage& image, std::size_t resolution) {
  // The shorter side becomes `resolution`, the longer keeps the ratio (rounded down).
  const auto shorter = std::min(image.width, image.height);
  const auto longer = std::max(image.width, image.height);
  const auto scaled = static_cast<std::size_t>(static_cast<double>(resolution * longer) /
                                               static_cast<double>(shorter));
  const bool portrait = image.width <= image.height;
  const auto resized =
      resize_bicubic(image, portrait ? resolution : scaled, portrait ? scaled : resolution);
  const auto top = crop_start(resized.height, resolution);
  const auto left = crop_start(resized.width, resolution);
  std::vector<float> out(3 * resolution * resolution);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < resolution; ++y)
      for (std::size_t x = 0; x < resolution; ++x) {
        const auto v = resized.pixels[((top + y) * resized.width + left + x) * 3 + c];
        out[(c * resolution + y) * resolution + x] =
            (static_cast<float>(v) / 255.0f - kMean[c]) / kStd[c];
      }
  return out;
}

}  // namespace picdex::embed
