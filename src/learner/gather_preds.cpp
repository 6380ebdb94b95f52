#include "strata/learner/gather_preds.h"

#include <ATen/ATen.h>

#include "strata/learner/learner.h"

namespace strata {

void GatherPreds::before_validate(Learner&) {
  preds_.clear();
  targets_.clear();
  losses_.clear();
}

void GatherPreds::after_batch(Learner& l) {
  preds_.push_back(l.loss_func().activation(l.pred).to(at::kCPU));
  if (l.yb.empty()) return;
  const at::Tensor& target = l.yb[0].tensor();
  targets_.push_back(target.to(at::kCPU));
  if (with_loss_) losses_.push_back(l.loss_func().per_item(l.pred, target).to(at::kCPU));
}

Predictions GatherPreds::predictions(const Loss& loss_func, bool with_decoded) const {
  Predictions result;
  if (!preds_.empty()) result.preds = at::cat(preds_);
  if (!targets_.empty()) result.targets = at::cat(targets_);
  if (with_decoded && result.preds.defined()) result.decoded = loss_func.decodes(result.preds);
  if (!losses_.empty()) result.losses = at::cat(losses_);
  return result;
}

}  // namespace strata
