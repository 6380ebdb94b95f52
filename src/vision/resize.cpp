#include "strata/vision/resize.h"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include "opencv_tensor.h"
#include "pil_resample.h"
#include "strata/core/error.h"

namespace strata {
namespace {

bool is_spatial(const Value& v) { return v.is(Kind::Image) || v.is(Kind::Mask); }

std::int64_t width_of(const Value& v) { return v.tensor().size(1); }
std::int64_t height_of(const Value& v) { return v.tensor().size(0); }

int border_type(PadMode mode) {
  switch (mode) {
    case PadMode::Zeros: return cv::BORDER_CONSTANT;
    case PadMode::Border: return cv::BORDER_REPLICATE;
    case PadMode::Reflection: return cv::BORDER_REFLECT_101;
  }
  return cv::BORDER_CONSTANT;
}

void check_spatial(const Value& v, const char* who) {
  const auto& t = v.tensor();
  if (v.is(Kind::Image)) {
    STRATA_CHECK(t.dim() == 3, "{}: an Image must be [H, W, C], got {} (use Resize before ToTensor)", who,
                 shape_str(t.sizes()));
  } else {
    STRATA_CHECK(t.dim() == 2, "{}: a Mask must be [H, W], got {} (use Resize before ToTensor)", who,
                 shape_str(t.sizes()));
  }
  STRATA_CHECK(t.size(0) > 0 && t.size(1) > 0, "{}: cannot resize an empty image {}", who, shape_str(t.sizes()));
}

}  // namespace

CropBox resize_box(std::int64_t width, std::int64_t height, ImageSize target, ResizeMethod method, double pct_x,
                   double pct_y) {
  STRATA_CHECK(target.width > 0 && target.height > 0, "Resize: target size must be positive, got {}x{}",
               target.height, target.width);
  if (method == ResizeMethod::Squish) return {0, 0, width, height};
  const double rw = static_cast<double>(width) / static_cast<double>(target.width);
  const double rh = static_cast<double>(height) / static_cast<double>(target.height);
  // Crop keeps the smaller ratio (box inside the image), Pad the larger (box around it).
  const double m = method == ResizeMethod::Crop ? (rw < rh ? rw : rh) : (rw > rh ? rw : rh);
  const auto cw = static_cast<std::int64_t>(m * static_cast<double>(target.width));
  const auto ch = static_cast<std::int64_t>(m * static_cast<double>(target.height));
  // Python's int() truncates toward zero, also for the negative offsets of Pad.
  const auto left = static_cast<std::int64_t>(pct_x * static_cast<double>(width - cw));
  const auto top = static_cast<std::int64_t>(pct_y * static_cast<double>(height - ch));
  return {left, top, cw, ch};
}

Value crop_pad_resize(const Value& value, const CropBox& box, ImageSize size, PadMode pad_mode) {
  if (!is_spatial(value)) return value;
  check_spatial(value, "crop_pad_resize");
  const bool is_mask = value.is(Kind::Mask);
  at::Tensor src = value.tensor().contiguous();
  // OpenCV has no 64-bit integer matrices; int64 masks travel as int32.
  const bool long_mask = src.scalar_type() == at::kLong;
  if (long_mask) src = src.to(at::kInt);
  const cv::Mat mat = detail::mat_view(src);

  const std::int64_t w = mat.cols, h = mat.rows;
  const std::int64_t x0 = std::clamp<std::int64_t>(box.left, 0, w), y0 = std::clamp<std::int64_t>(box.top, 0, h);
  const std::int64_t x1 = std::clamp<std::int64_t>(box.left + box.width, 0, w);
  const std::int64_t y1 = std::clamp<std::int64_t>(box.top + box.height, 0, h);
  STRATA_CHECK(x1 > x0 && y1 > y0, "crop_pad_resize: box ({}, {}) {}x{} does not overlap the {}x{} image", box.left,
               box.top, box.width, box.height, w, h);
  cv::Mat region = mat(cv::Rect(static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0),
                                static_cast<int>(y1 - y0)));
  const auto pad_left = std::max<std::int64_t>(-box.left, 0), pad_top = std::max<std::int64_t>(-box.top, 0);
  const auto pad_right = std::max<std::int64_t>(box.left + box.width - w, 0);
  const auto pad_bottom = std::max<std::int64_t>(box.top + box.height - h, 0);
  if (pad_left || pad_top || pad_right || pad_bottom) {
    // Reflection needs at least two pixels to reflect; a one-pixel strip is replicated instead.
    int border = border_type(pad_mode);
    if (border == cv::BORDER_REFLECT_101 && (region.cols < 2 || region.rows < 2)) border = cv::BORDER_REPLICATE;
    cv::Mat padded;
    cv::copyMakeBorder(region, padded, static_cast<int>(pad_top), static_cast<int>(pad_bottom),
                       static_cast<int>(pad_left), static_cast<int>(pad_right), border, cv::Scalar::all(0));
    region = padded;
  }
  at::Tensor result;
  if (region.cols == size.width && region.rows == size.height) {
    result = detail::tensor_from_mat(region, /*keep_2d=*/is_mask);
  } else if (!is_mask && region.depth() == CV_8U) {
    // fastai resizes images with PIL's BILINEAR: the same pixels, bit for bit.
    result = detail::pil_resize_bilinear(region.data, region.rows, region.cols, region.channels(),
                                         static_cast<std::int64_t>(region.step), size.height, size.width);
  } else {
    // Masks: PIL's NEAREST (pixel centres, which INTER_NEAREST_EXACT matches); other depths bilinear.
    cv::Mat out;
    cv::resize(region, out, cv::Size(static_cast<int>(size.width), static_cast<int>(size.height)), 0, 0,
               is_mask ? cv::INTER_NEAREST_EXACT : cv::INTER_LINEAR);
    result = detail::tensor_from_mat(out, /*keep_2d=*/is_mask);
  }
  if (long_mask) result = result.to(at::kLong);
  return value.with(std::move(result));
}

Resize::Resize(ImageSize size, ResizeMethod method, PadMode pad_mode)
    : Transform("Resize", 1), size_(size), method_(method), pad_mode_(pad_mode) {
  STRATA_CHECK(size.width > 0 && size.height > 0, "Resize: size must be positive, got {}x{}", size.height,
               size.width);
}

Item Resize::encode_item(Item item, TransformContext& ctx) const {
  // One draw per item: an image and its mask get the same box.
  double pct_x = 0.5, pct_y = 0.5;
  if (ctx.split == Split::Train && method_ != ResizeMethod::Squish) {
    Rng& rng = ctx.generator("Resize");
    pct_x = rng.uniform();
    pct_y = rng.uniform();
  }
  for (auto& v : item) {
    if (!is_spatial(v)) continue;
    check_spatial(v, "Resize");
    v = crop_pad_resize(v, resize_box(width_of(v), height_of(v), size_, method_, pct_x, pct_y), size_, pad_mode_);
  }
  return item;
}

RandomResizedCrop::RandomResizedCrop(ImageSize size, Options options)
    : Transform("RandomResizedCrop", 1), size_(size), options_(options) {
  STRATA_CHECK(size.width > 0 && size.height > 0, "RandomResizedCrop: size must be positive, got {}x{}", size.height,
               size.width);
  STRATA_CHECK(options.min_scale > 0 && options.min_scale <= options.max_scale && options.max_scale <= 1.0,
               "RandomResizedCrop: need 0 < min_scale <= max_scale <= 1, got {} and {}", options.min_scale,
               options.max_scale);
  STRATA_CHECK(options.ratio_min > 0 && options.ratio_min <= options.ratio_max,
               "RandomResizedCrop: need 0 < ratio_min <= ratio_max, got {} and {}", options.ratio_min,
               options.ratio_max);
}

ImageSize RandomResizedCrop::validation_resize() const {
  const auto largest = static_cast<double>(std::max(size_.height, size_.width));
  const auto xtra = static_cast<std::int64_t>(std::ceil(largest * options_.val_xtra / 8.0)) * 8;
  return {size_.height + xtra, size_.width + xtra};
}

CropBox RandomResizedCrop::draw_box(std::int64_t w, std::int64_t h, Rng& rng) const {
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double area = rng.uniform(options_.min_scale, options_.max_scale) * static_cast<double>(w * h);
    const double ratio = std::exp(rng.uniform(std::log(options_.ratio_min), std::log(options_.ratio_max)));
    // Python's round() rounds half to even, as nearbyint does in the default rounding mode.
    const auto nw = static_cast<std::int64_t>(std::nearbyint(std::sqrt(area * ratio)));
    const auto nh = static_cast<std::int64_t>(std::nearbyint(std::sqrt(area / ratio)));
    if (nw <= w && nh <= h) {
      const auto left = rng.randint(0, w - nw);
      const auto top = rng.randint(0, h - nh);
      return {left, top, nw, nh};
    }
  }
  const double aspect = static_cast<double>(w) / static_cast<double>(h);
  std::int64_t cw = w, ch = h;
  if (aspect < options_.ratio_min) ch = static_cast<std::int64_t>(static_cast<double>(w) / options_.ratio_min);
  else if (aspect > options_.ratio_max) cw = static_cast<std::int64_t>(static_cast<double>(h) * options_.ratio_max);
  return {(w - cw) / 2, (h - ch) / 2, cw, ch};
}

Item RandomResizedCrop::encode_item(Item item, TransformContext& ctx) const {
  const Value* first = nullptr;
  for (const auto& v : item) {
    if (is_spatial(v)) {
      check_spatial(v, "RandomResizedCrop");
      if (!first) first = &v;
    }
  }
  if (!first) return item;
  if (ctx.split == Split::Valid) {
    const ImageSize big = validation_resize();
    for (auto& v : item) {
      if (!is_spatial(v)) continue;
      Value squished = crop_pad_resize(v, {0, 0, width_of(v), height_of(v)}, big, PadMode::Reflection);
      const CropBox centre{(big.width - size_.width) / 2, (big.height - size_.height) / 2, size_.width, size_.height};
      v = crop_pad_resize(squished, centre, size_, PadMode::Zeros);
    }
    return item;
  }
  // The box is drawn for the first image and scaled to each other value, so a mask (or the second
  // image of a pair) is cropped at the same relative place.
  const std::int64_t w0 = width_of(*first), h0 = height_of(*first);
  const CropBox box = draw_box(w0, h0, ctx.generator("RandomResizedCrop"));
  for (auto& v : item) {
    if (!is_spatial(v)) continue;
    const double sx = static_cast<double>(width_of(v)) / static_cast<double>(w0);
    const double sy = static_cast<double>(height_of(v)) / static_cast<double>(h0);
    const CropBox scaled{static_cast<std::int64_t>(static_cast<double>(box.left) * sx),
                         static_cast<std::int64_t>(static_cast<double>(box.top) * sy),
                         std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(box.width) * sx)),
                         std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(box.height) * sy))};
    v = crop_pad_resize(v, scaled, size_, PadMode::Reflection);
  }
  return item;
}

}  // namespace strata
