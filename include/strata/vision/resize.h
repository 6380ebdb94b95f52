#pragma once
/// Item-level resizing: Resize (crop / pad / squish) and RandomResizedCrop, fastai's exact boxes.

#include <cstdint>

#include "strata/transforms/transform.h"

namespace strata {

/// A target size in pixels. An int means a square (fastai: `size=224` or `size=(h, w)`).
struct ImageSize {
  ImageSize(std::int64_t square) : height(square), width(square) {}  // NOLINT: implicit like fastai's int size
  ImageSize(std::int64_t h, std::int64_t w) : height(h), width(w) {}
  std::int64_t height;
  std::int64_t width;
  bool operator==(const ImageSize& o) const { return height == o.height && width == o.width; }
};

/// fastai ResizeMethod.
enum class ResizeMethod { Crop, Pad, Squish };
/// fastai PadMode: constant zeros, edge replication, reflection without repeating the edge.
enum class PadMode { Zeros, Border, Reflection };

/// A box in source pixels; it may reach outside the image (then the outside is padded).
struct CropBox {
  std::int64_t left, top, width, height;
  bool operator==(const CropBox& o) const {
    return left == o.left && top == o.top && width == o.width && height == o.height;
  }
};

/// The box fastai's Resize takes from a `width` x `height` image before resizing to `target`:
/// the largest box of the target's aspect ratio inside the image (Crop) or around it (Pad), at
/// fractional offset (pct_x, pct_y); Squish takes the whole image.
/// E.g. 500x375 -> 224 (Crop, 0.5, 0.5) gives left 62, top 0, 375 x 375.
CropBox resize_box(std::int64_t width, std::int64_t height, ImageSize target, ResizeMethod method, double pct_x,
                   double pct_y);

/// Crops `value` (Image [H, W, C] or Mask [H, W]) to `box`, pads what lies outside with `pad_mode`,
/// then resizes to `size`: images with area averaging when shrinking and bilinear when enlarging,
/// masks with nearest neighbour. Other kinds are returned unchanged.
Value crop_pad_resize(const Value& value, const CropBox& box, ImageSize size, PadMode pad_mode);

/// fastai Resize(size, method='crop', pad_mode='reflection') (order 1, both subsets): on training
/// items the crop/pad offset is random, on validation items it is centred. Images bilinear, masks
/// nearest; other values pass through.
class Resize : public Transform {
 public:
  explicit Resize(ImageSize size, ResizeMethod method = ResizeMethod::Crop, PadMode pad_mode = PadMode::Reflection);
  ImageSize size() const { return size_; }
  ResizeMethod method() const { return method_; }
  PadMode pad_mode() const { return pad_mode_; }

 protected:
  Item encode_item(Item item, TransformContext& ctx) const override;

 private:
  ImageSize size_;
  ResizeMethod method_;
  PadMode pad_mode_;
};

/// fastai RandomResizedCrop(size, min_scale=0.08, ratio=(3/4, 4/3), val_xtra=0.14, max_scale=1)
/// (order 1, both subsets). Training: a random box of U(min_scale, max_scale) of the area and a
/// log-uniform aspect ratio, resized to `size`. Validation: squish the image to
/// size + ceil(max(size) * val_xtra / 8) * 8, then centre-crop `size`.
class RandomResizedCrop : public Transform {
 public:
  struct Options {
    double min_scale = 0.08;      ///< smallest fraction of the area kept
    double max_scale = 1.0;       ///< largest fraction of the area kept
    double ratio_min = 3.0 / 4.0; ///< aspect ratio range (width / height)
    double ratio_max = 4.0 / 3.0;
    double val_xtra = 0.14;       ///< validation: how much larger to squish before the centre crop
  };
  explicit RandomResizedCrop(ImageSize size, Options options);
  explicit RandomResizedCrop(ImageSize size) : RandomResizedCrop(size, Options{}) {}

  ImageSize size() const { return size_; }
  const Options& options() const { return options_; }
  /// The validation squish size (fastai: size + xtra), e.g. 224 -> 256.
  ImageSize validation_resize() const;
  /// The training box for a width x height image, drawn from `rng` exactly as fastai does.
  CropBox draw_box(std::int64_t width, std::int64_t height, Rng& rng) const;

 protected:
  Item encode_item(Item item, TransformContext& ctx) const override;

 private:
  ImageSize size_;
  Options options_;
};

}  // namespace strata
