#pragma once
/// ToTensor (item), IntToFloatTensor and Normalize (batch), each with a decodes that inverts it.

#include <vector>

#include <ATen/core/Tensor.h>

#include "strata/core/stats.h"
#include "strata/transforms/transform.h"

namespace strata {


/// fastai ToTensor (order 5): Image uint8 [H, W, C] -> TensorImage uint8 [C, H, W];
/// Mask [H, W] -> TensorMask int64 [H, W]. Decodes a TensorImage back to an Image.
class ToTensor : public Transform {
 public:
  ToTensor();
};

/// fastai IntToFloatTensor(div=255, div_mask=1) (order 10): integer TensorImage -> float / div;
/// TensorMask -> int64. Decodes float images to uint8 (x * div, rounded, clamped to 0..255).
class IntToFloatTensor : public Transform {
 public:
  explicit IntToFloatTensor(double div = 255.0);
  double div() const { return div_; }

 private:
  double div_;
};

/// fastai Normalize (order 99): float TensorImage [C, H, W] or [N, C, H, W] -> (x - mean) / std per
/// channel. Decodes with x * std + mean. Throws when the image is not float (run IntToFloatTensor
/// first) or its channel count differs from the statistics'.
class Normalize : public Transform {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std);
  /// fastai Normalize.from_stats(*imagenet_stats).
  static std::shared_ptr<Normalize> from_stats(const Stats& stats);

  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& std() const { return std_; }

 private:
  at::Tensor shaped(const std::vector<double>& values, const at::Tensor& like) const;
  void check_image(const at::Tensor& x) const;
  std::vector<double> mean_, std_;
};

}  // namespace strata
