#pragma once
// Private: PIL's bilinear resampling (Image.resize(size, BILINEAR)), bit for bit, so strata's
// Resize gives the pixels fastai's Resize gives.

#include <cstdint>

#include <ATen/ATen.h>

namespace strata::detail {

/// Resizes an 8-bit [height, width, channels] image whose rows start `row_stride` bytes apart to
/// [out_height, out_width, channels], exactly as Pillow's ImagingResample with the bilinear filter:
/// a triangle filter widened by the shrink factor (so shrinking averages, no aliasing), 22-bit
/// fixed-point weights, horizontal pass first, each pass rounded to 8 bits.
at::Tensor pil_resize_bilinear(const std::uint8_t* pixels, std::int64_t height, std::int64_t width,
                               std::int64_t channels, std::int64_t row_stride, std::int64_t out_height,
                               std::int64_t out_width);

}  // namespace strata::detail
