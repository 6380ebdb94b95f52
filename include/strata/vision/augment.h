#pragma once
/// fastai's batch augmentation on whatever device the batch is on: flips, rotations, zooms and
/// perspective warps composed into one affine/coordinate transform (a single grid_sample), and
/// brightness/contrast composed into one lighting transform. Training batches only; images
/// bilinear, masks nearest, with the same draws.

#include <optional>
#include <vector>

#include <torch/arg.h>

#include "strata/transforms/transform.h"
#include "strata/vision/resize.h"

namespace strata {

struct AffineOptions {
  double p_flip = 0.5;       ///< horizontal flip probability (0: none)
  bool flip_vert = false;    ///< dihedral flips instead of horizontal ones
  double max_rotate = 0.0;   ///< degrees, drawn in [-max, max] with p_affine
  double min_zoom = 1.0, max_zoom = 1.0;
  double max_warp = 0.0;     ///< perspective magnitude per axis, with p_affine each
  double p_affine = 0.75;
  PadMode pad_mode = PadMode::Reflection;
};

/// fastai AffineCoordTfm (order 30, training only) with Flip/Dihedral, Warp, Rotate and Zoom merged.
class AffineCoordTfm : public Transform {
 public:
  explicit AffineCoordTfm(AffineOptions options);
  /// The [N, 3, 3] matrices (before the aspect correction) that `encode_item` would draw.
  at::Tensor draw_matrices(std::int64_t n, Rng& rng) const;

 protected:
  Item encode_item(Item item, TransformContext& ctx) const override;

 private:
  AffineOptions o_;
};

struct LightingOptions {
  double max_lighting = 0.2;  ///< brightness in [0.5(1-m), 0.5(1+m)], contrast in [1-m, 1/(1-m)]
  double p_lighting = 0.75;
  bool brightness = true, contrast = true;
};

/// fastai LightingTfm (order 40, training only): Brightness then Contrast in logit space on float
/// images in [0, 1] (before Normalize). Masks are left alone.
class LightingTfm : public Transform {
 public:
  explicit LightingTfm(LightingOptions options);

 protected:
  Item encode_item(Item item, TransformContext& ctx) const override;

 private:
  LightingOptions o_;
};

struct AugTransformsOptions {
  TORCH_ARG(double, mult) = 1.0;
  TORCH_ARG(bool, do_flip) = true;
  TORCH_ARG(bool, flip_vert) = false;
  TORCH_ARG(double, max_rotate) = 10.0;
  TORCH_ARG(double, min_zoom) = 1.0;
  TORCH_ARG(double, max_zoom) = 1.1;
  TORCH_ARG(double, max_lighting) = 0.2;
  TORCH_ARG(double, max_warp) = 0.2;
  TORCH_ARG(double, p_affine) = 0.75;
  TORCH_ARG(double, p_lighting) = 0.75;
  TORCH_ARG(PadMode, pad_mode) = PadMode::Reflection;
};

/// fastai aug_transforms(...) with its defaults: [AffineCoordTfm (flip, warp 0.2, rotate 10,
/// zoom 1-1.1, p 0.75), LightingTfm (brightness and contrast 0.2, p 0.75)].
std::vector<TransformPtr> aug_transforms(const AugTransformsOptions& options = {});

}  // namespace strata
