#include "strata/callbacks/training.h"

#include <torch/nn/utils/clip_grad.h>

#include "strata/core/error.h"
#include "strata/learner/learner.h"

namespace strata {

GradientAccumulation::GradientAccumulation(int n_acc) : n_acc_(n_acc) {
  STRATA_CHECK(n_acc > 0, "GradientAccumulation: n_acc must be positive, got {}", n_acc);
}

void GradientAccumulation::after_loss(Learner& l) {
  const auto bs = l.yb.empty() ? 1 : l.yb[0].tensor().size(0);
  l.loss_grad = l.loss_grad / (static_cast<double>(n_acc_) / static_cast<double>(bs));
}

void GradientAccumulation::before_step(Learner& l) {
  count_ += static_cast<int>(l.yb.empty() ? 1 : l.yb[0].tensor().size(0));
  if (count_ < n_acc_) throw CancelBatch();  // keep accumulating: no step, no zero_grad
  count_ = 0;
}

void GradientClip::before_step(Learner& l) {
  std::vector<torch::Tensor> params;
  for (const auto& p : l.module().parameters())
    if (p.grad().defined()) params.push_back(p);
  torch::nn::utils::clip_grad_norm_(params, max_norm_);
}

}  // namespace strata
