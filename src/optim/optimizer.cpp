#include "strata/optim/optimizer.h"

#include <cmath>

#include <ATen/ATen.h>
#include <torch/torch.h>

#include "strata/core/error.h"

namespace strata {

Optimizer::Optimizer(ParamGroups groups, Hypers defaults) : groups_(std::move(groups)) {
  STRATA_CHECK(!groups_.empty(), "Optimizer: no parameter groups");
  hypers_.assign(groups_.size(), defaults);
}

void Optimizer::step() {
  torch::NoGradGuard no_grad;
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (auto& p : groups_[g]) {
      if (!p.grad().defined()) continue;
      at::Tensor param = p;
      step_param(param, hypers_[g], state(p));
    }
}

void Optimizer::zero_grad() {
  for (auto& group : groups_)
    for (auto& p : group) {
      auto grad = p.mutable_grad();
      if (grad.defined()) {
        grad.detach_();
        grad.zero_();
      }
    }
}

void Optimizer::set_hyper(const std::string& name, const HyperValue& value) {
  const auto values = value.expand(groups_.size());
  for (std::size_t g = 0; g < groups_.size(); ++g) hypers_[g][name] = values[g];
}

double Optimizer::hyper(std::size_t group, const std::string& name) const {
  STRATA_CHECK_INDEX(group < hypers_.size(), "Optimizer: group {} of {}", group, hypers_.size());
  auto it = hypers_[group].find(name);
  STRATA_CHECK_KEY(it != hypers_[group].end(), "Optimizer: no hyper-parameter '{}'", name);
  return it->second;
}

ParamState& Optimizer::state(const at::Tensor& p) { return state_[p.unsafeGetTensorImpl()]; }

void Optimizer::clear_state() {
  for (auto& [key, s] : state_) s = ParamState{s.do_wd, s.force_train, 0, {}, {}};
}

void Optimizer::freeze_to(int n) {
  const int count = static_cast<int>(groups_.size());
  frozen_idx_ = n >= 0 ? n : count + n;
  STRATA_CHECK(frozen_idx_ >= 0, "freeze_to: {} is out of range for {} parameter groups", n, count);
  for (int g = 0; g < count; ++g)
    for (auto& p : groups_[static_cast<std::size_t>(g)]) {
      const bool trainable = g >= frozen_idx_ || state(p).force_train;
      p.requires_grad_(trainable);
      if (!trainable) p.mutable_grad() = at::Tensor();  // frozen: no gradient work at all
    }
}

PickleValue Optimizer::state_dict() const {
  PickleValue::Items states, hypers;
  for (const auto& group : groups_)
    for (const auto& p : group) {
      PickleValue::Pairs entry;
      auto it = state_.find(p.unsafeGetTensorImpl());
      const ParamState s = it == state_.end() ? ParamState{} : it->second;
      entry.emplace_back(PickleValue::string("do_wd"), PickleValue::boolean(s.do_wd));
      entry.emplace_back(PickleValue::string("force_train"), PickleValue::boolean(s.force_train));
      entry.emplace_back(PickleValue::string("step"), PickleValue::integer(s.step));
      if (s.grad_avg.defined()) entry.emplace_back(PickleValue::string("grad_avg"), PickleValue::tensor(s.grad_avg));
      if (s.sqr_avg.defined()) entry.emplace_back(PickleValue::string("sqr_avg"), PickleValue::tensor(s.sqr_avg));
      states.push_back(PickleValue::dict(std::move(entry)));
    }
  for (const auto& h : hypers_) {
    PickleValue::Pairs entry;
    for (const auto& [k, v] : h) entry.emplace_back(PickleValue::string(k), PickleValue::floating(v));
    hypers.push_back(PickleValue::dict(std::move(entry)));
  }
  return PickleValue::dict({{PickleValue::string("state"), PickleValue::list(std::move(states))},
                            {PickleValue::string("hypers"), PickleValue::list(std::move(hypers))}});
}

void Optimizer::load_state_dict(const PickleValue& sd) {
  const PickleValue* states = sd.find("state");
  const PickleValue* hypers = sd.find("hypers");
  STRATA_CHECK_KEY(states && hypers, "Optimizer::load_state_dict: expected 'state' and 'hypers' entries");
  std::size_t n_params = 0;
  for (const auto& g : groups_) n_params += g.size();
  STRATA_CHECK(hypers->as_items().size() == groups_.size(),
               "Optimizer::load_state_dict: the saved state has {} parameter groups, the optimizer {}",
               hypers->as_items().size(), groups_.size());
  STRATA_CHECK(states->as_items().size() == n_params,
               "Optimizer::load_state_dict: the saved state has {} parameters, the optimizer {}",
               states->as_items().size(), n_params);
  std::size_t i = 0;
  torch::NoGradGuard no_grad;
  for (auto& group : groups_)
    for (auto& p : group) {
      const PickleValue& e = states->as_items()[i++];
      ParamState& s = state(p);
      if (const auto* v = e.find("do_wd")) s.do_wd = v->as_bool();
      if (const auto* v = e.find("force_train")) s.force_train = v->as_bool();
      if (const auto* v = e.find("step")) s.step = v->as_int();
      s.grad_avg = e.find("grad_avg") ? e.find("grad_avg")->as_tensor().to(p.device()).clone() : at::Tensor();
      s.sqr_avg = e.find("sqr_avg") ? e.find("sqr_avg")->as_tensor().to(p.device()).clone() : at::Tensor();
    }
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (const auto& [k, v] : hypers->as_items()[g].as_pairs()) hypers_[g][k.as_string()] = v.as_float();
}

namespace {

// fastai weight_decay: p *= 1 - lr * wd, when the parameter takes decay.
void decoupled_weight_decay(at::Tensor& p, const Hypers& h, const ParamState& s) {
  const double wd = h.at("wd");
  if (s.do_wd && wd != 0.0) p.mul_(1.0 - h.at("lr") * wd);
}

// fastai average_grad(dampening=True), average_sqr_grad and step_stat: the moments Adam-like
// optimizers share.
void update_moments(const at::Tensor& p, const Hypers& h, ParamState& s) {
  const at::Tensor& grad = p.grad();
  const double mom = h.at("mom"), sqr_mom = h.at("sqr_mom");
  if (!s.grad_avg.defined()) s.grad_avg = at::zeros_like(p);
  if (!s.sqr_avg.defined()) s.sqr_avg = at::zeros_like(p);
  s.grad_avg.mul_(mom).add_(grad, 1.0 - mom);
  s.sqr_avg.mul_(sqr_mom).addcmul_(grad, grad, 1.0 - sqr_mom);
  s.step += 1;
}

// What Adam and RAdam do before their step: decoupled weight decay, the moments; returns the
// first moment's bias correction 1 - mom^step.
double decay_and_moments(at::Tensor& p, const Hypers& h, ParamState& s) {
  decoupled_weight_decay(p, h, s);
  update_moments(p, h, s);
  return 1.0 - std::pow(h.at("mom"), static_cast<double>(s.step));
}

Hypers adam_hypers(double lr, double mom, double sqr_mom, double eps, double wd) {
  return {{"lr", lr}, {"mom", mom}, {"sqr_mom", sqr_mom}, {"eps", eps}, {"wd", wd}};
}

}  // namespace

Adam::Adam(ParamGroups groups, double lr, double mom, double sqr_mom, double eps, double wd)
    : Optimizer(std::move(groups), adam_hypers(lr, mom, sqr_mom, eps, wd)) {}

void Adam::step_param(at::Tensor& p, const Hypers& h, ParamState& s) {
  const double debias1 = decay_and_moments(p, h, s);
  const double debias2 = 1.0 - std::pow(h.at("sqr_mom"), static_cast<double>(s.step));
  p.addcdiv_(s.grad_avg, (s.sqr_avg / debias2).sqrt_().add_(h.at("eps")), -h.at("lr") / debias1);
}

SGD::SGD(ParamGroups groups, double lr, double mom, double wd)
    : Optimizer(std::move(groups), {{"lr", lr}, {"mom", mom}, {"wd", wd}}) {}

void SGD::step_param(at::Tensor& p, const Hypers& h, ParamState& s) {
  decoupled_weight_decay(p, h, s);
  const double mom = h.at("mom");
  if (mom == 0.0) {
    p.add_(p.grad(), -h.at("lr"));
    return;
  }
  if (!s.grad_avg.defined()) s.grad_avg = at::zeros_like(p);
  s.grad_avg.mul_(mom).add_(p.grad());  // average_grad without dampening
  p.add_(s.grad_avg, -h.at("lr"));
}

RAdam::RAdam(ParamGroups groups, double lr, double mom, double sqr_mom, double eps, double wd)
    : Optimizer(std::move(groups), adam_hypers(lr, mom, sqr_mom, eps, wd)) {}

void RAdam::step_param(at::Tensor& p, const Hypers& h, ParamState& s) {
  const double debias1 = decay_and_moments(p, h, s);
  const double sqr_mom = h.at("sqr_mom"), step = static_cast<double>(s.step);
  // fastai radam_step: r_inf = 2/(1-sqr_mom) - 1; r = r_inf - 2*step*sqr_mom**step/(1-sqr_mom**step)
  const double r_inf = 2.0 / (1.0 - sqr_mom) - 1.0;
  const double r = r_inf - 2.0 * step * std::pow(sqr_mom, step) / (1.0 - std::pow(sqr_mom, step));
  if (r > 5.0) {
    const double v = std::sqrt(((r - 4) * (r - 2) * r_inf) / ((r_inf - 4) * (r_inf - 2) * r));
    const double debias2 = 1.0 - std::pow(sqr_mom, step);
    p.addcdiv_(s.grad_avg, (s.sqr_avg / debias2).sqrt_().add_(h.at("eps")), -h.at("lr") * v / debias1);
  } else {
    p.add_(s.grad_avg, -h.at("lr") / debias1);
  }
}

}  // namespace strata
