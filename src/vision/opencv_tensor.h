#pragma once
// Private bridge between LibTorch tensors and OpenCV matrices (OpenCV stays inside src/vision).

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

namespace strata::detail {

/// A cv::Mat viewing a contiguous [H, W] or [H, W, C] tensor's memory (no copy).
cv::Mat mat_view(const at::Tensor& hwc);

/// A new [H, W, C] tensor (or [H, W] when `keep_2d` and the matrix has one channel) copied from `mat`.
at::Tensor tensor_from_mat(const cv::Mat& mat, bool keep_2d = false);

}  // namespace strata::detail
