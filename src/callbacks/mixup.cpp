#include "strata/callbacks/mixup.h"

#include <cmath>

#include <torch/torch.h>

#include "strata/core/error.h"
#include "strata/learner/learner.h"

namespace strata {

MixHandler::MixHandler(double alpha) : alpha_(alpha) {
  STRATA_CHECK(alpha > 0, "MixUp/CutMix: alpha must be positive, got {}", alpha);
}

void MixHandler::draw(Learner&, std::int64_t n) {
  // Beta(a, a) as G1 / (G1 + G2) with G ~ Gamma(a), from LibTorch's (seeded) generator.
  const auto a = torch::full({n}, alpha_, torch::kDouble);
  const auto g1 = at::_standard_gamma(a), g2 = at::_standard_gamma(a);
  lam_ = g1 / (g1 + g2);
  lam_ = torch::max(lam_, 1 - lam_);
  perm_ = torch::randperm(n, torch::kLong);
}

void MixHandler::after_loss(Learner& l) {
  if (!lam_.defined() || l.yb.empty() || !l.training) return;
  const auto& y = l.yb[0].tensor();
  const auto lam = lam_.to(l.pred.device(), l.pred.scalar_type());
  const auto perm = perm_.to(y.device());
  const at::Tensor mixed = torch::lerp(l.loss_func().per_item(l.pred, y.index_select(0, perm)),
                                       l.loss_func().per_item(l.pred, y), lam);
  l.loss_grad = mixed.mean();
  l.loss = l.loss_grad.detach().clone();
  lam_ = at::Tensor();
}

void MixUp::before_batch(Learner& l) {
  STRATA_CHECK(!l.xb.empty(), "MixUp: the batch has no input");
  auto x = l.xb[0].tensor();
  draw(l, x.size(0));
  std::vector<int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  const auto lam = lam_.to(x.device(), x.scalar_type()).view(shape);
  l.xb[0] = l.xb[0].with(torch::lerp(x.index_select(0, perm_.to(x.device())), x, lam));
}

void CutMix::before_batch(Learner& l) {
  STRATA_CHECK(!l.xb.empty() && l.xb[0].tensor().dim() == 4, "CutMix: needs an image batch [N, C, H, W]");
  auto x = l.xb[0].tensor().clone();
  const std::int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  // One box per batch, as fastai does, from a single lam.
  const auto a = torch::full({1}, alpha_, torch::kDouble);
  const auto g1 = at::_standard_gamma(a), g2 = at::_standard_gamma(a);
  const double lam = (g1 / (g1 + g2)).item<double>();
  const double cut = std::sqrt(1 - lam);
  const auto cw = static_cast<std::int64_t>(w * cut), ch = static_cast<std::int64_t>(h * cut);
  const auto cx = torch::randint(0, w, {1}).item<std::int64_t>(), cy = torch::randint(0, h, {1}).item<std::int64_t>();
  const std::int64_t x1 = std::clamp<std::int64_t>(cx - cw / 2, 0, w), x2 = std::clamp<std::int64_t>(cx + cw / 2, 0, w);
  const std::int64_t y1 = std::clamp<std::int64_t>(cy - ch / 2, 0, h), y2 = std::clamp<std::int64_t>(cy + ch / 2, 0, h);
  perm_ = torch::randperm(n, torch::kLong);
  const auto shuffled = x.index_select(0, perm_.to(x.device()));
  x.slice(2, y1, y2).slice(3, x1, x2).copy_(shuffled.slice(2, y1, y2).slice(3, x1, x2));
  const double kept = 1.0 - static_cast<double>((x2 - x1) * (y2 - y1)) / static_cast<double>(w * h);
  lam_ = torch::full({n}, kept, torch::kDouble);
  l.xb[0] = l.xb[0].with(x);
}

}  // namespace strata
