#include "strata/callbacks/mixed_precision.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "strata/core/error.h"
#include "strata/learner/learner.h"

namespace strata {

GradScaler::GradScaler(double init_scale, double growth_factor, double backoff_factor, int growth_interval)
    : scale_(init_scale), growth_(growth_factor), backoff_(backoff_factor), interval_(growth_interval) {
  STRATA_CHECK(init_scale > 0 && growth_factor > 1 && backoff_factor > 0 && backoff_factor < 1 && growth_interval > 0,
               "GradScaler: need init_scale > 0, growth_factor > 1, 0 < backoff_factor < 1, growth_interval > 0");
}

at::Tensor GradScaler::scale(const at::Tensor& loss) const { return loss * scale_; }

bool GradScaler::unscale(const std::vector<at::Tensor>& params) const {
  torch::NoGradGuard no_grad;
  at::Tensor bad;
  for (const auto& p : params) {
    if (!p.grad().defined()) continue;
    auto g = p.grad();
    g.mul_(1.0 / scale_);
    const at::Tensor any = g.isfinite().logical_not().any();
    bad = bad.defined() ? bad.logical_or(any) : any;
  }
  return bad.defined() && bad.item<bool>();  // one sync per step, as PyTorch's scaler
}

void GradScaler::update(bool found_inf) {
  if (found_inf) {
    scale_ *= backoff_;
    good_steps_ = 0;
  } else if (++good_steps_ == interval_) {
    scale_ *= growth_;
    good_steps_ = 0;
  }
}

MixedPrecision::MixedPrecision(c10::ScalarType dtype, GradScaler scaler) : dtype_(dtype), scaler_(scaler) {
  STRATA_CHECK(dtype == c10::kHalf || dtype == c10::kBFloat16, "MixedPrecision: dtype must be Half or BFloat16, got {}",
               c10::toString(dtype));
}

void MixedPrecision::set_autocast(bool on) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(at::kCUDA, on);
  if (on) at::autocast::set_autocast_dtype(at::kCUDA, dtype_);
#else
  at::autocast::set_enabled(on);
  if (on) at::autocast::set_autocast_gpu_dtype(dtype_);
#endif
  if (!on) at::autocast::clear_cache();
}

void MixedPrecision::before_fit(Learner& l) {
  STRATA_CHECK(l.dls().device().is_cuda(),
               "MixedPrecision: autocast and loss scaling need a CUDA device, the data is on {} (use to_fp16 only "
               "with DataLoadersOptions().device(torch::kCUDA))",
               l.dls().device().str());
}

void MixedPrecision::before_batch(Learner&) { set_autocast(true); }

void MixedPrecision::after_pred(Learner& l) {
  if (l.pred.defined() && l.pred.is_floating_point()) l.pred = l.pred.to(at::kFloat);
}

void MixedPrecision::after_loss(Learner&) { set_autocast(false); }

void MixedPrecision::after_batch(Learner&) { set_autocast(false); }

void MixedPrecision::before_backward(Learner& l) {
  if (dtype_ == c10::kHalf) l.loss_grad = scaler_.scale(l.loss_grad);
}

void MixedPrecision::before_step(Learner& l) {
  found_inf_ = false;
  if (dtype_ != c10::kHalf) return;
  std::vector<at::Tensor> params;
  for (const auto& g : l.opt().param_groups()) params.insert(params.end(), g.begin(), g.end());
  found_inf_ = scaler_.unscale(params);
  if (found_inf_) throw CancelStep();  // this step overflowed: skip it, shrink the scale
}

void MixedPrecision::after_step(Learner&) {
  if (dtype_ == c10::kHalf) scaler_.update(found_inf_);
}

void MixedPrecision::after_fit(Learner&) { set_autocast(false); }

// ---- the Learner's entry points (fastai patches to_fp16 / to_bf16 / to_fp32 on in callback/fp16.py) ----

void Learner::to_fp16() {
  to_fp32();
  add_cb(std::make_shared<MixedPrecision>(c10::kHalf));
}

void Learner::to_bf16() {
  to_fp32();
  add_cb(std::make_shared<MixedPrecision>(c10::kBFloat16));
}

void Learner::to_fp32() { remove_cbs<MixedPrecision>(); }

}  // namespace strata
