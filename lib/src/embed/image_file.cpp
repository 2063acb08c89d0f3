#include "embed/image_file.hpp"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <jerror.h>  // after <cstdio>, which jpeglib.h needs first
#include <jpeglib.h>
#include <png.h>

#include "picdex/error.hpp"

namespace picdex::embed {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

[[noreturn]] void refuse(const std::filesystem::path& file, const std::string& why) {
  throw InputError({.file = file.string()}, why);
}

void check_size(const std::filesystem::path& file, std::size_t width, std::size_t height) {
  if (width == 0 || height == 0) refuse(file, "image has no pixels");
  if (width > kMaxImagePixels / height)
    refuse(file, "image is " + std::to_string(width) + "x" + std::to_string(height) +
                     " pixels, over the limit of " + std::to_string(kMaxImagePixels));
}

// libjpeg reports errors through a callback that must not return: it jumps back to
// decode_jpeg with the message kept here. No C++ object with a destructor lives between
// the setjmp and the longjmp.
struct JpegError {
  jpeg_error_mgr manager;
  std::jmp_buf back;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr info) {
  auto* error = reinterpret_cast<JpegError*>(info->err);
  info->err->format_message(info, error->message);
  std::longjmp(error->back, 1);
}

// Warnings pass, except a file that ends early: Pillow refuses a truncated image too.
void jpeg_warning(j_common_ptr info, int level) {
  if (level == -1 && info->err->msg_code == JWRN_JPEG_EOF) jpeg_fail(info);
}

// Returns an empty string on success, else libjpeg's message; fills `out`.
std::string decode_jpeg(std::FILE* f, const std::filesystem::path& file, RgbImage& out) {
  jpeg_decompress_struct info;
  JpegError error;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = jpeg_fail;
  error.manager.emit_message = jpeg_warning;
  std::uint8_t* row = nullptr;
  if (setjmp(error.back)) {
    jpeg_destroy_decompress(&info);
    return error.message;
  }
  jpeg_create_decompress(&info);
  jpeg_stdio_src(&info, f);
  jpeg_read_header(&info, TRUE);
  if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
    jpeg_destroy_decompress(&info);
    return "CMYK JPEG images are not supported";
  }
  // Checked and sized before decoding starts (throwing here is safe: the jump above only
  // happens from inside libjpeg's calls).
  out.width = info.image_width;
  out.height = info.image_height;
  try {
    check_size(file, out.width, out.height);
    out.pixels.resize(out.width * out.height * 3);
  } catch (...) {
    jpeg_destroy_decompress(&info);
    throw;
  }
  info.out_color_space = JCS_RGB;
  jpeg_start_decompress(&info);
  if (info.output_width != out.width || info.output_height != out.height) {
    jpeg_destroy_decompress(&info);  // no scaling was asked for
    return "unexpected output size";
  }
  while (info.output_scanline < info.output_height) {
    row = out.pixels.data() + std::size_t{info.output_scanline} * out.width * 3;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return {};
}

struct PngError {
  std::jmp_buf back;
  char message[256];
};

void png_fail(png_structp png, png_const_charp message) {
  auto* error = static_cast<PngError*>(png_get_error_ptr(png));
  std::snprintf(error->message, sizeof error->message, "%s", message);
  std::longjmp(error->back, 1);
}

void png_quiet(png_structp, png_const_charp) {}

std::string decode_png(std::FILE* f, const std::filesystem::path& file, RgbImage& out) {
  PngError error;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, png_fail, png_quiet);
  if (!png) return "out of memory";
  png_infop info = png_create_info_struct(png);
  std::vector<png_bytep>* volatile rows = nullptr;  // owned below; freed on both paths
  if (setjmp(error.back)) {
    delete rows;
    png_destroy_read_struct(&png, &info, nullptr);
    return error.message;
  }
  if (!info) png_error(png, "out of memory");
  png_init_io(png, f);
  png_read_info(png, info);
  const auto width = png_get_image_width(png, info), height = png_get_image_height(png, info);
  try {
    check_size(file, width, height);
  } catch (...) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw;
  }
  const auto colour = png_get_color_type(png, info);
  png_set_expand(png);    // palette to RGB, grey below 8 bits to 8, tRNS to alpha
  png_set_strip_16(png);  // the high byte, as Pillow keeps
  if (colour == PNG_COLOR_TYPE_GRAY || colour == PNG_COLOR_TYPE_GRAY_ALPHA)
    png_set_gray_to_rgb(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != std::size_t{width} * 3) png_error(png, "unexpected layout");
  out.width = width;
  out.height = height;
  try {
    out.pixels.resize(out.width * out.height * 3);
    rows = new std::vector<png_bytep>(height);
  } catch (...) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw;
  }
  for (std::size_t y = 0; y < height; ++y) (*rows)[y] = out.pixels.data() + y * out.width * 3;
  png_read_image(png, rows->data());
  png_read_end(png, nullptr);
  delete rows;
  png_destroy_read_struct(&png, &info, nullptr);
  return {};
}

}  // namespace

RgbImage read_image(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) refuse(file, "is a directory, not an image");
  File f(std::fopen(file.c_str(), "rb"));
  if (!f) refuse(file, "cannot be read (missing or no permission)");
  unsigned char magic[8] = {};
  const auto got = std::fread(magic, 1, sizeof magic, f.get());
  std::rewind(f.get());
  RgbImage out;
  std::string failure;
  if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF)
    failure = decode_jpeg(f.get(), file, out);
  else if (got == 8 && png_sig_cmp(magic, 0, 8) == 0)
    failure = decode_png(f.get(), file, out);
  else
    refuse(file, "is not a JPEG or PNG image");
  if (!failure.empty()) refuse(file, "damaged image (" + failure + ")");
  return out;
}

}  // namespace picdex::embed
