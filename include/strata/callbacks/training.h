#pragma once
/// fastai/callback/training.py: GradientAccumulation and GradientClip.

#include "strata/learner/callback.h"

namespace strata {

/// fastai GradientAccumulation(n_acc=32): steps only once `n_acc` items have been seen, with the
/// loss scaled so the accumulated gradient is the mean over those items.
class GradientAccumulation : public Callback {
 public:
  explicit GradientAccumulation(int n_acc = 32);
  std::string name() const override { return "gradient_accumulation"; }
  int order() const override { return -20; }
  bool run_valid() const override { return false; }
  void before_fit(Learner&) override { count_ = 0; }
  void after_loss(Learner& l) override;
  void before_step(Learner& l) override;

 private:
  int n_acc_, count_ = 0;
};

/// fastai GradientClip(max_norm=1): clips the global gradient norm before each step.
class GradientClip : public Callback {
 public:
  explicit GradientClip(double max_norm = 1.0) : max_norm_(max_norm) {}
  std::string name() const override { return "gradient_clip"; }
  void before_step(Learner& l) override;

 private:
  double max_norm_;
};

}  // namespace strata
