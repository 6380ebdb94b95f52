#pragma once
// Reading the palette indices of an indexed-colour PNG (colour type 3): OpenCV always expands
// palettes to colours, but a segmentation mask's indices are its class codes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace strata::detail {

/// The [H, W] uint8 indices when `bytes` is a palette PNG, nullopt for any other image.
/// IOError naming `name` for a corrupt or interlaced palette PNG.
std::optional<at::Tensor> png_palette_indices(const std::vector<std::uint8_t>& bytes, const std::string& name);

}  // namespace strata::detail
