#pragma once
// Private: the image codecs behind read_image / read_mask / write_image. JPEG and PNG go through
// libjpeg(-turbo) and libpng directly (the libraries PIL uses, so the same pixels); other formats
// through OpenCV when strata is built with it (STRATA_WITH_OPENCV, the default).

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

namespace strata::detail {

enum class DecodeTarget {
  /// uint8 RGB [H, W, 3]: palettes expanded, greyscale replicated, alpha dropped, 16-bit scaled
  /// to 8 (value / 257, rounded), no gamma correction (PIL's convert('RGB')).
  rgb,
  /// uint8 [H, W] class codes: palette indices, grey values (16-bit ones must be <= 255), colour
  /// through PIL's convert('L') luminance.
  mask,
};

/// IOError naming `name` when width x height exceeds `max_pixels` (checked before decoding, with
/// no overflow for any 32-bit sides): a possible decompression bomb.
void check_pixel_count(const std::string& name, std::int64_t width, std::int64_t height, std::int64_t max_pixels);

/// Decodes a JPEG at 1/`reduce` of its size (1, 2, 4 or 8: libjpeg's DCT scaling, sides rounded
/// up). CMYK is converted as PIL does. IOError naming `name`.
at::Tensor jpeg_decode(const std::vector<std::uint8_t>& bytes, const std::string& name, DecodeTarget target,
                       std::int64_t max_pixels, int reduce = 1);

/// Encodes uint8 [H, W] or [H, W, C] pixels (C = 1, 3, or 4 whose alpha is dropped).
std::vector<std::uint8_t> jpeg_encode(const at::Tensor& pixels, int quality, const std::string& name);

/// IOError naming `name` when `bytes` is not a readable PNG.
at::Tensor png_decode(const std::vector<std::uint8_t>& bytes, const std::string& name, DecodeTarget target,
                      std::int64_t max_pixels);

/// Encodes uint8 [H, W] or [H, W, C] pixels (C = 1, 3 or 4).
std::vector<std::uint8_t> png_encode(const at::Tensor& pixels, const std::string& name);

/// Any other format OpenCV reads (BMP, WebP, TIFF, PNM...); an IOError without OpenCV.
at::Tensor decode_other_format(const std::vector<std::uint8_t>& bytes, const std::string& name, DecodeTarget target);

/// PIL's luminance of 8-bit RGB: (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16.
void rgb_to_luminance(const std::uint8_t* rgb, std::int64_t pixels, int stride, std::uint8_t* out);

}  // namespace strata::detail
