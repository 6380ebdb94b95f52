#include "strata/vision/resize.h"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>

#include "pil_resample.h"
#include "strata/core/error.h"

namespace strata {
namespace {

bool is_spatial(const Value& v) { return v.is(Kind::Image) || v.is(Kind::Mask); }

std::int64_t width_of(const Value& v) { return v.tensor().size(1); }
std::int64_t height_of(const Value& v) { return v.tensor().size(0); }

// Source index (into [0, n)) of position p of a padded line, or -1 for a zero of PadMode::Zeros.
// Reflection mirrors without repeating the edge pixel (torchvision's 'reflect', OpenCV's
// BORDER_REFLECT_101); a one-pixel line cannot be mirrored and is replicated.
std::int64_t source_index(std::int64_t p, std::int64_t n, PadMode mode) {
  if (p >= 0 && p < n) return p;
  if (mode == PadMode::Zeros) return -1;
  if (mode == PadMode::Border || n == 1) return std::clamp<std::int64_t>(p, 0, n - 1);
  const std::int64_t period = 2 * n - 2;
  std::int64_t m = p % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

// Indices of the `count` positions starting at `first` (relative to a line of n pixels at offset
// `offset` in the source), and whether any is a zero pad.
at::Tensor line_indices(std::int64_t first, std::int64_t count, std::int64_t offset, std::int64_t n, PadMode mode,
                        bool& has_zeros) {
  at::Tensor idx = at::empty({count}, at::kLong);
  auto* out = idx.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t s = source_index(first + i, n, mode);
    has_zeros = has_zeros || s < 0;
    out[i] = s < 0 ? offset : s + offset;
  }
  return idx;
}

// PIL's NEAREST: the source pixel under each output pixel's centre.
at::Tensor nearest_indices(std::int64_t in_size, std::int64_t out_size) {
  at::Tensor idx = at::empty({out_size}, at::kLong);
  auto* out = idx.data_ptr<std::int64_t>();
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  for (std::int64_t i = 0; i < out_size; ++i)
    out[i] = std::min<std::int64_t>(static_cast<std::int64_t>((static_cast<double>(i) + 0.5) * scale), in_size - 1);
  return idx;
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
  const at::Tensor src = value.tensor().to(at::kCPU).contiguous();
  const std::int64_t w = src.size(1), h = src.size(0);
  const std::int64_t x0 = std::clamp<std::int64_t>(box.left, 0, w), y0 = std::clamp<std::int64_t>(box.top, 0, h);
  const std::int64_t x1 = std::clamp<std::int64_t>(box.left + box.width, 0, w);
  const std::int64_t y1 = std::clamp<std::int64_t>(box.top + box.height, 0, h);
  STRATA_CHECK(x1 > x0 && y1 > y0, "crop_pad_resize: box ({}, {}) {}x{} does not overlap the {}x{} image", box.left,
               box.top, box.width, box.height, w, h);
  // The box: a view when it lies inside the image, else gathered with the padding's indices.
  at::Tensor region;
  if (x0 == box.left && y0 == box.top && x1 == box.left + box.width && y1 == box.top + box.height) {
    region = src.narrow(0, y0, y1 - y0).narrow(1, x0, x1 - x0);
  } else {
    bool zero_rows = false, zero_cols = false;
    const at::Tensor rows = line_indices(box.top - y0, box.height, y0, y1 - y0, pad_mode, zero_rows);
    const at::Tensor cols = line_indices(box.left - x0, box.width, x0, x1 - x0, pad_mode, zero_cols);
    region = src.index_select(0, rows).index_select(1, cols);
    if (zero_rows || zero_cols) {
      auto within = [](std::int64_t first, std::int64_t count, std::int64_t limit) {
        const at::Tensor pos = at::arange(first, first + count);
        return (pos >= 0) & (pos < limit);
      };
      auto inside = within(box.top, box.height, h).view({-1, 1}) & within(box.left, box.width, w).view({1, -1});
      if (region.dim() == 3) inside = inside.unsqueeze(2);
      region = region * inside.to(region.scalar_type());
    }
  }
  at::Tensor result;
  if (region.size(0) == size.height && region.size(1) == size.width) {
    result = region.contiguous();
  } else if (is_mask) {
    result = region.index_select(0, nearest_indices(region.size(0), size.height))
                 .index_select(1, nearest_indices(region.size(1), size.width));
  } else if (region.scalar_type() == at::kByte) {
    // fastai resizes images with PIL's BILINEAR: the same pixels, bit for bit.
    // Rows of a crop inside the image are read in place (the resampler takes a row stride).
    const bool packed_rows = region.stride(2) == 1 && region.stride(1) == region.size(2);
    const at::Tensor r = packed_rows ? region : region.contiguous();
    result = detail::pil_resize_bilinear(r.data_ptr<std::uint8_t>(), r.size(0), r.size(1), r.size(2), r.stride(0),
                                         size.height, size.width);
  } else {
    // Float images: LibTorch's antialiased bilinear.
    const at::Tensor chw = region.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat);
    result = at::_upsample_bilinear2d_aa(chw, {size.height, size.width}, false, c10::nullopt, c10::nullopt)
                 .squeeze(0)
                 .permute({1, 2, 0})
                 .to(region.scalar_type())
                 .contiguous();
  }
  return value.with(result.to(value.tensor().device()));
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
