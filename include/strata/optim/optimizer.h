#pragma once
/// fastai's Optimizer: parameter groups with their own hyper-parameters, per-parameter state,
/// freezing that keeps BatchNorm trainable, and "true" (decoupled) weight decay.

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <ATen/core/Tensor.h>

#include "strata/core/param_groups.h"
#include "strata/core/pickle.h"
#include "strata/optim/hyper.h"

namespace strata {

/// One group's hyper-parameters by name: "lr", "mom", "sqr_mom", "eps", "wd", ...
using Hypers = std::map<std::string, double>;

/// Per-parameter state (fastai opt.state[p]).
struct ParamState {
  bool do_wd = true;         ///< weight decay applies (false for norm layers and biases)
  bool force_train = false;  ///< stays trainable when its group is frozen (norm layers, train_bn)
  std::int64_t step = 0;
  at::Tensor grad_avg, sqr_avg;
};

class Optimizer {
 public:
  /// `defaults` sets every group's hypers (e.g. {{"lr", 1e-3}, {"mom", 0.9}, ...}).
  Optimizer(ParamGroups groups, Hypers defaults);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Updates every parameter that has a gradient; frozen parameters (no grad) are skipped.
  void step();
  /// Zeroes gradients in place (fastai keeps the tensors).
  void zero_grad();

  std::size_t n_groups() const { return groups_.size(); }
  const ParamGroups& param_groups() const { return groups_; }
  const std::vector<Hypers>& hypers() const { return hypers_; }
  /// Sets hyper `name` for every group from a scalar, a list or a slice (fastai set_hyper).
  void set_hyper(const std::string& name, const HyperValue& value);
  double hyper(std::size_t group, const std::string& name) const;

  ParamState& state(const at::Tensor& p);
  /// fastai clear_state: keep only do_wd / force_train (moments and step counters reset).
  void clear_state();

  /// Groups [0, n) frozen (requires_grad false unless force_train), [n, end) trainable.
  /// Negative n counts from the end (freeze_to(-1) trains only the last group).
  void freeze_to(int n);
  void freeze() { freeze_to(-1); }
  void unfreeze() { freeze_to(0); }
  int frozen_idx() const { return frozen_idx_; }

  /// The optimizer state (per-parameter tensors and flags, and the hypers) as a pickle-able
  /// value (fastai opt.state_dict()), and back. load_state_dict checks the group/parameter counts.
  PickleValue state_dict() const;
  void load_state_dict(const PickleValue& state);

 protected:
  /// One parameter's update, given its group's hypers and its state. `p` has a gradient.
  virtual void step_param(at::Tensor& p, const Hypers& h, ParamState& s) = 0;

 private:
  ParamGroups groups_;
  std::vector<Hypers> hypers_;
  std::unordered_map<const void*, ParamState> state_;
  int frozen_idx_ = 0;
};

/// fastai Adam(params, lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.01, decouple_wd=True): decoupled
/// weight decay p *= 1 - lr*wd (when do_wd), then the bias-corrected Adam step with the current
/// mom as beta1.
class Adam : public Optimizer {
 public:
  explicit Adam(ParamGroups groups, double lr = 1e-3, double mom = 0.9, double sqr_mom = 0.99, double eps = 1e-5,
                double wd = 0.01);

 protected:
  void step_param(at::Tensor& p, const Hypers& h, ParamState& s) override;
};

/// fastai SGD(params, lr, mom=0, wd=0): decoupled weight decay, then p -= lr * (grad or
/// momentum average grad_avg = mom * grad_avg + grad).
class SGD : public Optimizer {
 public:
  explicit SGD(ParamGroups groups, double lr = 1e-3, double mom = 0.0, double wd = 0.0);

 protected:
  void step_param(at::Tensor& p, const Hypers& h, ParamState& s) override;
};

/// fastai RAdam(params, lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0, beta=0): Adam with the
/// variance rectification of Liu et al.; plain momentum SGD steps while the variance is untrustworthy.
class RAdam : public Optimizer {
 public:
  explicit RAdam(ParamGroups groups, double lr = 1e-3, double mom = 0.9, double sqr_mom = 0.99, double eps = 1e-5,
                 double wd = 0.0);

 protected:
  void step_param(at::Tensor& p, const Hypers& h, ParamState& s) override;
};

}  // namespace strata
