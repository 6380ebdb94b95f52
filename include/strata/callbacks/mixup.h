#pragma once
/// fastai MixUp and CutMix (callback/mixup.py): blend each training batch with a shuffled copy of
/// itself and the losses with the same weights.

#include <ATen/core/Tensor.h>

#include "strata/learner/callback.h"

namespace strata {

/// Shared machinery: per-batch lam and permutation, and the mixed loss
/// lerp(loss(pred, y_shuffled), loss(pred, y), lam).
class MixHandler : public Callback {
 public:
  explicit MixHandler(double alpha);
  bool run_valid() const override { return false; }
  void after_loss(Learner& l) override;

 protected:
  /// Draws lam ~ Beta(alpha, alpha) per item (kept >= 0.5) and the partner permutation.
  void draw(Learner& l, std::int64_t n);
  double alpha_;
  at::Tensor lam_, perm_;
};

/// fastai MixUp(alpha=0.4): x = lerp(x[perm], x, lam) per item.
class MixUp : public MixHandler {
 public:
  explicit MixUp(double alpha = 0.4) : MixHandler(alpha) {}
  std::string name() const override { return "mix_up"; }
  void before_batch(Learner& l) override;
};

/// fastai CutMix(alpha=1): a random box of each image comes from its partner; lam is the share of
/// the image that stays.
class CutMix : public MixHandler {
 public:
  explicit CutMix(double alpha = 1.0) : MixHandler(alpha) {}
  std::string name() const override { return "cut_mix"; }
  void before_batch(Learner& l) override;
};

}  // namespace strata
