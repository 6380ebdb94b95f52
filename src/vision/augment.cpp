#include "strata/vision/augment.h"

#include <cmath>

#include <torch/torch.h>

#include "strata/core/error.h"

namespace strata {
namespace F = torch::nn::functional;

namespace {

at::Tensor eye3(std::int64_t n) { return torch::eye(3, torch::kDouble).unsqueeze(0).repeat({n, 1, 1}); }

// fastai _find_coeffs: the 8 coefficients of the homography taking p1[i] to p2[i].
at::Tensor find_coeffs(const at::Tensor& p1, const at::Tensor& p2) {
  // p1, p2: [N, 4, 2]
  const auto n = p1.size(0);
  auto m = torch::zeros({n, 8, 8}, torch::kDouble);
  auto b = torch::zeros({n, 8}, torch::kDouble);
  for (int i = 0; i < 4; ++i) {
    auto x = p2.select(1, i).select(1, 0), y = p2.select(1, i).select(1, 1);
    auto u = p1.select(1, i).select(1, 0), v = p1.select(1, i).select(1, 1);
    m.select(1, 2 * i).select(1, 0).copy_(x);
    m.select(1, 2 * i).select(1, 1).copy_(y);
    m.select(1, 2 * i).select(1, 2).fill_(1);
    m.select(1, 2 * i).select(1, 6).copy_(-u * x);
    m.select(1, 2 * i).select(1, 7).copy_(-u * y);
    m.select(1, 2 * i + 1).select(1, 3).copy_(x);
    m.select(1, 2 * i + 1).select(1, 4).copy_(y);
    m.select(1, 2 * i + 1).select(1, 5).fill_(1);
    m.select(1, 2 * i + 1).select(1, 6).copy_(-v * x);
    m.select(1, 2 * i + 1).select(1, 7).copy_(-v * y);
    b.select(1, 2 * i).copy_(u);
    b.select(1, 2 * i + 1).copy_(v);
  }
  return torch::linalg_solve(m, b.unsqueeze(2)).squeeze(2);
}

// fastai _apply_perspective on a sampling grid [N, H, W, 2].
at::Tensor apply_perspective(const at::Tensor& grid, const at::Tensor& coeffs) {
  const auto c = coeffs.to(grid.device(), grid.scalar_type());
  auto x = grid.select(3, 0), y = grid.select(3, 1);
  auto k = [&](int i) { return c.select(1, i).view({-1, 1, 1}); };
  auto den = k(6) * x + k(7) * y + 1;
  return torch::stack({(k(0) * x + k(1) * y + k(2)) / den, (k(3) * x + k(4) * y + k(5)) / den}, 3);
}

auto padding(PadMode mode) -> F::GridSampleFuncOptions::padding_mode_t {
  switch (mode) {
    case PadMode::Zeros: return torch::kZeros;
    case PadMode::Border: return torch::kBorder;
    case PadMode::Reflection: return torch::kReflection;
  }
  return torch::kReflection;
}

}  // namespace

AffineCoordTfm::AffineCoordTfm(AffineOptions options) : Transform("AffineCoordTfm", 30, Split::Train), o_(options) {
  STRATA_CHECK(o_.min_zoom > 0 && o_.min_zoom <= o_.max_zoom, "AffineCoordTfm: need 0 < min_zoom <= max_zoom");
}

at::Tensor AffineCoordTfm::draw_matrices(std::int64_t n, Rng& rng) const {
  at::Tensor m = eye3(n);
  const double pi = std::acos(-1.0);
  for (std::int64_t i = 0; i < n; ++i) {
    at::Tensor mi = torch::eye(3, torch::kDouble);
    if (o_.flip_vert) {
      // fastai Dihedral(p): one of the 8 symmetries of the square with probability p.
      if (rng.bernoulli(o_.p_flip)) {
        const auto k = rng.randint(0, 7);
        at::Tensor d = torch::eye(3, torch::kDouble);
        if (k & 1) d[0][0] = -1;
        if (k & 2) d[1][1] = -1;
        if (k & 4) d = torch::matmul(torch::tensor({{0.0, 1.0, 0.0}, {1.0, 0.0, 0.0}, {0.0, 0.0, 1.0}}, torch::kDouble), d);
        mi = torch::matmul(mi, d);
      }
    } else if (o_.p_flip > 0 && rng.bernoulli(o_.p_flip)) {
      mi[0][0] = -1;
    }
    if (o_.max_rotate > 0) {
      const double deg = rng.uniform(-o_.max_rotate, o_.max_rotate);
      if (rng.bernoulli(o_.p_affine)) {
        const double t = deg * pi / 180.0;
        mi = torch::matmul(mi, torch::tensor({{std::cos(t), std::sin(t), 0.0}, {-std::sin(t), std::cos(t), 0.0},
                                              {0.0, 0.0, 1.0}}, torch::kDouble));
      }
    }
    if (o_.max_zoom > 1 || o_.min_zoom < 1) {
      const double z = rng.uniform(o_.min_zoom, o_.max_zoom), cx = rng.uniform(), cy = rng.uniform();
      if (rng.bernoulli(o_.p_affine)) {
        const double s = 1.0 / z;
        mi = torch::matmul(mi, torch::tensor({{s, 0.0, (1 - s) * (2 * cx - 1)}, {0.0, s, (1 - s) * (2 * cy - 1)},
                                              {0.0, 0.0, 1.0}}, torch::kDouble));
      }
    }
    m[i].copy_(mi);
  }
  return m;
}

Item AffineCoordTfm::encode_item(Item item, TransformContext& ctx) const {
  const Value* first = nullptr;
  for (const auto& v : item)
    if (v.is(Kind::TensorImage) || v.is(Kind::TensorMask)) {
      first = &v;
      break;
    }
  if (!first) return item;
  const auto& t0 = first->tensor();
  STRATA_CHECK(t0.dim() == 4 || (first->is(Kind::TensorMask) && t0.dim() == 3),
               "AffineCoordTfm: expects a batch ([N, C, H, W] images, [N, H, W] masks), got {}", shape_str(t0.sizes()));
  const std::int64_t n = t0.size(0), h = t0.size(-2), w = t0.size(-1);
  Rng& rng = ctx.generator("AffineCoordTfm");
  at::Tensor m = draw_matrices(n, rng);
  m.select(1, 0).select(1, 1).mul_(static_cast<double>(h) / static_cast<double>(w));
  m.select(1, 1).select(1, 0).mul_(static_cast<double>(w) / static_cast<double>(h));
  at::Tensor coeffs;
  if (o_.max_warp > 0) {
    auto mag = torch::zeros({n, 2}, torch::kDouble);
    for (std::int64_t i = 0; i < n; ++i)
      for (int a = 0; a < 2; ++a) {
        const double v = rng.uniform(-o_.max_warp, o_.max_warp);
        if (rng.bernoulli(o_.p_affine)) mag[i][a] = v;
      }
    auto mx = mag.select(1, 0).view({-1, 1}), my = mag.select(1, 1).view({-1, 1});
    auto orig = torch::tensor({{-1.0, -1.0}, {-1.0, 1.0}, {1.0, -1.0}, {1.0, 1.0}}, torch::kDouble).unsqueeze(0).repeat({n, 1, 1});
    auto targ = torch::stack({torch::cat({-1 - my, -1 - mx}, 1), torch::cat({-1 + my, 1 + mx}, 1),
                              torch::cat({1 + my, -1 + mx}, 1), torch::cat({1 - my, 1 - mx}, 1)}, 1);
    coeffs = find_coeffs(targ, orig);
  }
  const auto device = t0.device();
  const at::Tensor theta = m.narrow(1, 0, 2).to(device, torch::kFloat);
  at::Tensor grid = F::affine_grid(theta, {n, 1, h, w}, /*align_corners=*/true);
  if (coeffs.defined()) grid = apply_perspective(grid, coeffs);
  for (auto& v : item) {
    if (v.is(Kind::TensorImage)) {
      const auto& x = v.tensor();
      STRATA_CHECK(x.is_floating_point(), "AffineCoordTfm: images must be float (add IntToFloatTensor first)");
      v = v.with(F::grid_sample(x, grid.to(x.scalar_type()),
                                F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(padding(o_.pad_mode)).align_corners(true)));
    } else if (v.is(Kind::TensorMask)) {
      const auto& x = v.tensor();
      const bool channel = x.dim() == 4;
      at::Tensor f = (channel ? x : x.unsqueeze(1)).to(torch::kFloat);
      f = F::grid_sample(f, grid, F::GridSampleFuncOptions().mode(torch::kNearest).padding_mode(padding(o_.pad_mode)).align_corners(true));
      v = v.with((channel ? f : f.squeeze(1)).to(x.scalar_type()));
    }
  }
  return item;
}

LightingTfm::LightingTfm(LightingOptions options) : Transform("LightingTfm", 40, Split::Train), o_(options) {
  STRATA_CHECK(o_.max_lighting >= 0 && o_.max_lighting < 1, "LightingTfm: max_lighting must be in [0, 1)");
}

Item LightingTfm::encode_item(Item item, TransformContext& ctx) const {
  for (auto& v : item) {
    if (!v.is(Kind::TensorImage)) continue;
    const auto& x = v.tensor();
    STRATA_CHECK(x.is_floating_point() && x.dim() == 4,
                 "LightingTfm: expects a float [N, C, H, W] batch in [0, 1] (after IntToFloatTensor), got {}",
                 shape_str(x.sizes()));
    Rng& rng = ctx.generator("LightingTfm");
    const std::int64_t n = x.size(0);
    auto shift = torch::zeros({n}, torch::kDouble), scale = torch::ones({n}, torch::kDouble);
    const double m = o_.max_lighting;
    for (std::int64_t i = 0; i < n; ++i) {
      if (o_.brightness) {
        const double c = rng.uniform(0.5 * (1 - m), 0.5 * (1 + m));
        if (rng.bernoulli(o_.p_lighting)) shift[i] = std::log(c / (1 - c));
      }
      if (o_.contrast) {
        const double c = std::exp(rng.uniform(std::log(1 - m), -std::log(1 - m)));
        if (rng.bernoulli(o_.p_lighting)) scale[i] = c;
      }
    }
    const auto opts = x.options();
    at::Tensor logit = torch::logit(x.clamp(1e-7, 1 - 1e-7));
    logit = (logit + shift.to(opts).view({-1, 1, 1, 1})) * scale.to(opts).view({-1, 1, 1, 1});
    v = v.with(torch::sigmoid(logit));
  }
  return item;
}

std::vector<TransformPtr> aug_transforms(const AugTransformsOptions& o) {
  AffineOptions a;
  a.p_flip = o.do_flip() ? 0.5 : 0.0;
  a.flip_vert = o.flip_vert();
  a.max_rotate = o.max_rotate() * o.mult();
  a.min_zoom = o.min_zoom();
  a.max_zoom = o.max_zoom();
  a.max_warp = o.max_warp() * o.mult();
  a.p_affine = o.p_affine();
  a.pad_mode = o.pad_mode();
  std::vector<TransformPtr> out{std::make_shared<AffineCoordTfm>(a)};
  if (o.max_lighting() > 0) {
    LightingOptions l;
    l.max_lighting = o.max_lighting() * o.mult();
    l.p_lighting = o.p_lighting();
    out.push_back(std::make_shared<LightingTfm>(l));
  }
  return out;
}

}  // namespace strata
