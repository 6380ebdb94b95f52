#pragma once
/// Reading and writing images (fastai: PILImage.create, PILMask.create, Image.save). JPEG and PNG
/// go through libjpeg(-turbo) and libpng, the libraries PIL uses, so the pixels are PIL's; the
/// other formats through OpenCV (absent from a STRATA_WITH_OPENCV=OFF build).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "strata/core/value.h"

namespace strata {

struct ReadImageOptions {
  /// Decode JPEGs at 1/2, 1/4 or 1/8 resolution (libjpeg's DCT scaling: much faster when the
  /// image is resized down anyway). 1 decodes at full size; other formats ignore it.
  int reduce = 1;
  /// When > 0 (and reduce is 1): decode JPEGs at the largest reduction (1/2, 1/4, 1/8) that keeps
  /// both sides at least this many pixels, e.g. the target of a following Resize.
  std::int64_t min_size = 0;
  /// Images with more pixels than this are refused before decoding (decompression bombs).
  /// PIL's limit for an error is 2 x 89,478,485.
  std::int64_t max_pixels = 178956970;
};

/// Reads any JPEG/PNG/BMP/WebP/TIFF file as an RGB image: Kind::Image, uint8 [H, W, 3].
/// Grayscale is replicated to 3 channels, alpha dropped, 16-bit scaled to 8-bit (value / 257,
/// rounded), CMYK converted as PIL does; EXIF orientation is ignored, as PIL does. Throws IOError
/// naming the file when it is missing, empty, truncated or not an image.
Value read_image(const std::filesystem::path& path, const ReadImageOptions& options = {});

/// Decodes an encoded image held in memory; `name` is used in error messages.
Value decode_image(const std::vector<std::uint8_t>& bytes, const std::string& name,
                   const ReadImageOptions& options = {});

/// Reads a segmentation mask: Kind::Mask, uint8 [H, W]. Palette PNGs give their palette indices
/// (VOC-style masks), grayscale images their values; other colour images are converted to
/// luminance like PIL's convert('L').
Value read_mask(const std::filesystem::path& path);

/// Writes an Image ([H, W, C]), a TensorImage ([C, H, W]) or a Mask ([H, W]), uint8, as PNG or
/// JPEG (chosen by the extension). The file is written to a temporary name and renamed, so a
/// crash never leaves a torn file. `jpeg_quality` is 0-100.
void write_image(const std::filesystem::path& path, const Value& image, int jpeg_quality = 95);

}  // namespace strata
