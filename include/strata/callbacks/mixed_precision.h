#pragma once
/// Mixed precision on CUDA (fastai MixedPrecision, learn.to_fp16()/to_bf16()): autocast for the
/// forward pass and the loss, fp32 master weights, and a dynamic loss scaler for fp16.

#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include "strata/learner/callback.h"

namespace strata {

/// PyTorch's GradScaler logic (LibTorch has none in C++): scale the loss, unscale the gradients
/// and look for inf/NaN before the step, skip steps that overflowed, and grow the scale by
/// `growth_factor` after `growth_interval` good steps or shrink it by `backoff_factor` at once.
class GradScaler {
 public:
  explicit GradScaler(double init_scale = 65536.0, double growth_factor = 2.0, double backoff_factor = 0.5,
                      int growth_interval = 2000);
  at::Tensor scale(const at::Tensor& loss) const;
  /// Divides every gradient by the scale in place; true when one of them holds inf or NaN.
  bool unscale(const std::vector<at::Tensor>& params) const;
  /// After a step (skipped or not): adjusts the scale.
  void update(bool found_inf);
  double get_scale() const { return scale_; }

 private:
  double scale_, growth_, backoff_;
  int interval_, good_steps_ = 0;
};

/// fastai MixedPrecision (order 10). `dtype` Half (with loss scaling) or BFloat16 (no scaling
/// needed). Needs the data on a CUDA device: ValueError at before_fit otherwise.
class MixedPrecision : public Callback {
 public:
  explicit MixedPrecision(c10::ScalarType dtype = c10::kHalf, GradScaler scaler = GradScaler());
  std::string name() const override { return "mixed_precision"; }
  int order() const override { return 10; }
  void before_fit(Learner& l) override;
  void before_batch(Learner& l) override;
  void after_pred(Learner& l) override;
  void after_loss(Learner& l) override;
  /// Autocast off also after a batch without targets (predict_files), which has no after_loss.
  void after_batch(Learner& l) override;
  void before_backward(Learner& l) override;
  void before_step(Learner& l) override;
  void after_step(Learner& l) override;
  void after_fit(Learner& l) override;
  const GradScaler& scaler() const { return scaler_; }

 private:
  void set_autocast(bool on);
  c10::ScalarType dtype_;
  GradScaler scaler_;
  bool found_inf_ = false;
};

}  // namespace strata
