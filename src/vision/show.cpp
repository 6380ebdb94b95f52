#include "strata/vision/show.h"

#include <cmath>
#include <cstring>

#include <ATen/ATen.h>
#include <torch/torch.h>

#include "pil_resample.h"
#include "strata/core/error.h"
#include "strata/core/file_io.h"
#include "strata/learner/learner.h"
#include "strata/vision/image_io.h"

namespace strata {
namespace {

std::string title_of(const at::Tensor& label, const std::vector<std::string>& vocab) {
  const auto i = label.item<std::int64_t>();
  if (i >= 0 && static_cast<std::size_t>(i) < vocab.size()) return vocab[static_cast<std::size_t>(i)];
  return std::to_string(i);
}

const Value* first_category(const Item& decoded) {
  for (const auto& v : decoded)
    if (v.is(Kind::Category)) return &v;
  return nullptr;
}

}  // namespace

// Class codes coloured (a tab10-like palette) and blended at alpha 0.5 over the image; code 0
// (background) is left as it is.
at::Tensor overlay_mask(const at::Tensor& image, const at::Tensor& mask) {
  static const std::uint8_t palette[10][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
                                              {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                                              {188, 189, 34}, {23, 190, 207}};
  at::Tensor colors = at::empty({10, 3}, at::kByte);
  std::memcpy(colors.data_ptr(), palette, sizeof palette);
  const at::Tensor codes = mask.to(at::kLong);
  const at::Tensor painted = colors.index_select(0, (codes.remainder(10)).reshape({-1})).view({codes.size(0), codes.size(1), 3});
  const at::Tensor blended = (image.to(at::kFloat) * 0.5 + painted.to(at::kFloat) * 0.5).round().to(at::kByte);
  return at::where((codes > 0).unsqueeze(-1), blended, image);
}

// The display images of a decoded batch: one per item, pairs joined side by side, masks overlaid.
std::vector<at::Tensor> display_images(const Item& decoded, std::int64_t n) {
  std::vector<std::size_t> image_positions;
  for (std::size_t k = 0; k < decoded.size(); ++k)
    if (decoded[k].is(Kind::Image)) image_positions.push_back(k);
  STRATA_CHECK(!image_positions.empty(), "show_batch: the decoded batch holds no image ({})", describe(decoded));
  const Value* mask = nullptr;
  for (const auto& v : decoded)
    if ((v.is(Kind::TensorMask) || v.is(Kind::Mask)) && v.tensor().dim() == 3) mask = &v;
  std::vector<at::Tensor> out;
  for (std::int64_t i = 0; i < n; ++i) {
    at::Tensor img = decoded[image_positions[0]].tensor()[i];
    if (mask) img = overlay_mask(img, mask->tensor()[i].to(at::kCPU));
    if (image_positions.size() > 1) img = side_by_side(img, decoded[image_positions[1]].tensor()[i]);
    out.push_back(img);
  }
  return out;
}


at::Tensor side_by_side(const at::Tensor& left, const at::Tensor& right, int gap) {
  STRATA_CHECK(left.dim() == 3 && right.dim() == 3, "side_by_side: expected two [H, W, C] images");
  at::Tensor r = right;
  if (r.size(0) != left.size(0)) {
    STRATA_CHECK(right.scalar_type() == at::kByte, "side_by_side: expected uint8 images, got {}", c10::toString(right.scalar_type()));
    const at::Tensor src = right.to(at::kCPU).contiguous();
    const double scale = static_cast<double>(left.size(0)) / static_cast<double>(right.size(0));
    const auto width = std::max<std::int64_t>(1, std::lround(static_cast<double>(right.size(1)) * scale));
    r = detail::pil_resize_bilinear(src.data_ptr<std::uint8_t>(), src.size(0), src.size(1), src.size(2),
                                    src.size(1) * src.size(2), left.size(0), width)
            .to(left.device());
  }
  const at::Tensor strip = at::zeros({left.size(0), gap, left.size(2)}, left.options());
  return at::cat({left, strip, r}, 1);
}

void show_batch(DataLoader& loader, const std::filesystem::path& path, const std::vector<std::string>& vocab,
                int max_n) {
  const Item decoded = loader.decode_batch(loader.one_batch());
  const Value* label = first_category(decoded);
  std::int64_t n = decoded.at(0).tensor().size(0);
  n = std::min<std::int64_t>(n, max_n);
  const auto images = display_images(decoded, n);
  std::vector<GridCell> cells;
  for (std::int64_t i = 0; i < n; ++i)
    cells.push_back({images[static_cast<std::size_t>(i)], label ? title_of(label->tensor()[i], vocab) : ""});
  write_grid(path, cells, 0);
}

void show_results(Learner& learn, const std::filesystem::path& path, int max_n, std::vector<std::string> vocab) {
  DataLoader& valid = learn.dls().valid();
  Item batch = valid.one_batch();
  auto [x, y] = learn.dls().split_batch(batch);
  std::vector<at::Tensor> inputs;
  for (const auto& v : x) inputs.push_back(v.tensor());
  at::Tensor pred;
  {
    torch::NoGradGuard no_grad;
    learn.module().eval();
    pred = learn.loss_func().decodes(learn.loss_func().activation(learn.model()(inputs))).to(at::kCPU);
  }
  const Item decoded = valid.decode_batch(batch);
  const std::int64_t n = std::min<std::int64_t>(decoded.at(0).tensor().size(0), max_n);
  if (pred.dim() >= 3) {
    // Segmentation (fastai: Target/Prediction): the image under its target mask, then under the
    // predicted one.
    const Value* image = nullptr;
    const Value* target_mask = nullptr;
    for (const auto& v : decoded) {
      if (v.is(Kind::Image) && !image) image = &v;
      if ((v.is(Kind::TensorMask) || v.is(Kind::Mask)) && !target_mask) target_mask = &v;
    }
    STRATA_CHECK(image != nullptr, "show_results: the decoded batch holds no image ({})", describe(decoded));
    std::vector<GridCell> cells;
    for (std::int64_t i = 0; i < n; ++i) {
      const at::Tensor img = image->tensor()[i];
      const at::Tensor t = target_mask ? overlay_mask(img, target_mask->tensor()[i].to(at::kCPU)) : img;
      cells.push_back({side_by_side(t, overlay_mask(img, pred[i])), "target / prediction"});
    }
    write_grid(path, cells, 0);
    return;
  }
  const auto images = display_images(decoded, n);
  const Value* target = first_category(decoded);
  if (vocab.empty()) vocab = learn.dls().vocab();
  std::vector<GridCell> cells;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::string p = title_of(pred[i], vocab);
    const std::string t = target ? title_of(target->tensor()[i], vocab) : "?";
    const bool right = p == t;
    cells.push_back({images[static_cast<std::size_t>(i)], t + "/" + p,
                     right ? std::array<int, 3>{0, 140, 0} : std::array<int, 3>{200, 0, 0}});
  }
  write_grid(path, cells, 0);
}

}  // namespace strata
