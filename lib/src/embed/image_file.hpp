// Reading image files into 8-bit RGB pixels, as Pillow's Image.open(f).convert("RGB")
// gives them: JPEG through libjpeg(-turbo) with its default decoder settings, PNG through
// libpng (palette and grey expanded, 16-bit channels cut to their high byte, alpha
// dropped). EXIF orientation is not applied, as CLIP's preprocessing does not apply it.
// One deviation: Pillow clips 16-bit grey values to 255 instead of keeping the high byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace picdex::embed {

struct RgbImage {
  std::size_t width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // row by row, R G B per pixel
};

// Images larger than this many pixels are refused before their pixels are decoded.
constexpr std::size_t kMaxImagePixels = std::size_t{1} << 26;  // 67 megapixels

// InputError naming the file when it cannot be read, is neither JPEG nor PNG (by its
// first bytes, not its name), is damaged, or is larger than kMaxImagePixels.
RgbImage read_image(const std::filesystem::path& file);

}  // namespace picdex::embed
