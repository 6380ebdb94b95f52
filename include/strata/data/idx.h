#pragma once
/// The idx format of MNIST and Fashion-MNIST (plain or gzip-compressed), bounds-checked.

#include <filesystem>

#include <ATen/core/Tensor.h>

namespace strata {

/// Reads an idx file (".gz" or plain): uint8 data as a uint8 tensor of the stored shape, e.g.
/// [60000, 28, 28] images or [60000] labels. IOError naming the file for a bad magic number, a
/// truncated file or dimensions that do not match the data.
at::Tensor read_idx(const std::filesystem::path& path);

}  // namespace strata
