#include "strata/vision/tensor_transforms.h"

#include <ATen/ATen.h>

#include "strata/core/error.h"

namespace strata {

ToTensor::ToTensor() : Transform("ToTensor", 5) {
  define_encodes(Kind::Image, [](const Value& v, TransformContext&) {
    const auto& t = v.tensor();
    STRATA_CHECK(t.dim() == 3, "ToTensor: an Image must be [H, W, C], got {}", shape_str(t.sizes()));
    return Value(Kind::TensorImage, t.permute({2, 0, 1}).contiguous());
  });
  define_encodes(Kind::Mask, [](const Value& v, TransformContext&) {
    const auto& t = v.tensor();
    STRATA_CHECK(t.dim() == 2, "ToTensor: a Mask must be [H, W], got {}", shape_str(t.sizes()));
    return Value(Kind::TensorMask, t.to(at::kLong));
  });
  define_decodes(Kind::TensorImage, [](const Value& v) {
    const auto& t = v.tensor();
    if (t.scalar_type() != at::kByte || t.dim() < 3) return v;
    // [C, H, W] -> [H, W, C]; a batch [N, C, H, W] -> [N, H, W, C].
    return Value(Kind::Image, (t.dim() == 3 ? t.permute({1, 2, 0}) : t.permute({0, 2, 3, 1})).contiguous());
  });
}

IntToFloatTensor::IntToFloatTensor(double div) : Transform("IntToFloatTensor", 10), div_(div) {
  STRATA_CHECK(div > 0, "IntToFloatTensor: div must be positive, got {}", div);
  define_encodes(Kind::TensorImage, [this](const Value& v, TransformContext&) {
    const auto& t = v.tensor();
    if (t.is_floating_point()) return v;
    return v.with(t.to(at::kFloat).div_(div_));
  });
  define_encodes(Kind::TensorMask, [](const Value& v, TransformContext&) { return v.with(v.tensor().to(at::kLong)); });
  define_decodes(Kind::TensorImage, [this](const Value& v) {
    const auto& t = v.tensor();
    if (!t.is_floating_point()) return v;
    return v.with(t.mul(div_).round_().clamp_(0, 255).to(at::kByte));
  });
}

Normalize::Normalize(std::vector<double> mean, std::vector<double> std)
    : Transform("Normalize", 99), mean_(std::move(mean)), std_(std::move(std)) {
  STRATA_CHECK(!mean_.empty() && mean_.size() == std_.size(),
               "Normalize: mean and std need the same, non-zero length; got {} and {}", mean_.size(), std_.size());
  for (std::size_t c = 0; c < std_.size(); ++c)
    STRATA_CHECK(std_[c] > 0, "Normalize: std[{}] must be positive, got {}", c, std_[c]);
  define_encodes(Kind::TensorImage, [this](const Value& v, TransformContext&) {
    const auto& x = v.tensor();
    check_image(x);
    return v.with((x - shaped(mean_, x)) / shaped(std_, x));
  });
  define_decodes(Kind::TensorImage, [this](const Value& v) {
    const auto& x = v.tensor();
    if (!x.is_floating_point()) return v;
    check_image(x);
    return v.with(x * shaped(std_, x) + shaped(mean_, x));
  });
}

std::shared_ptr<Normalize> Normalize::from_stats(const Stats& stats) {
  return std::make_shared<Normalize>(stats.mean, stats.std);
}

void Normalize::check_image(const at::Tensor& x) const {
  STRATA_CHECK_TYPE(x.is_floating_point(),
                    "Normalize: expected a float TensorImage (add IntToFloatTensor before it), got {} {}",
                    c10::toString(x.scalar_type()), shape_str(x.sizes()));
  STRATA_CHECK(x.dim() == 3 || x.dim() == 4, "Normalize: expected [C, H, W] or [N, C, H, W], got {}",
               shape_str(x.sizes()));
  const auto channels = x.size(x.dim() - 3);
  STRATA_CHECK(channels == static_cast<std::int64_t>(mean_.size()),
               "Normalize: the image has {} channels ({}), the statistics have {}", channels, shape_str(x.sizes()),
               mean_.size());
}

at::Tensor Normalize::shaped(const std::vector<double>& values, const at::Tensor& like) const {
  // [C, 1, 1] broadcasts over both an item [C, H, W] and a batch [N, C, H, W].
  return at::tensor(values, at::TensorOptions().dtype(at::kDouble))
      .to(like.device(), like.scalar_type())
      .view({static_cast<std::int64_t>(values.size()), 1, 1});
}

}  // namespace strata
