#include <torch/torch.h>

#include "catch.h"
#include "fastai_numbers.h"
#include "strata/core/error.h"
#include "strata/optim/optimizer.h"

using strata_test::Contains;

namespace {
void check_close(const std::vector<double>& got, const std::vector<double>& want, double rtol = 1e-12) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(rtol));
}
}  // namespace

TEST_CASE("even_mults and slice expansion match fastai (torch_core.even_mults, Optimizer.set_hyper)", "[optim]") {
  check_close(strata::even_mults(1e-6, 1e-4, 2), strata_test::fastai_list("even_mults(1e-6,1e-4,2)"));
  check_close(strata::even_mults(1e-6, 1e-4, 3), strata_test::fastai_list("even_mults(1e-6,1e-4,3)"));
  check_close(strata::even_mults(1e-6, 1e-4, 4), strata_test::fastai_list("even_mults(1e-6,1e-4,4)"));
  check_close(strata::slice(1e-4).expand(3), {1e-5, 1e-5, 1e-4});
  check_close(strata::slice(2e-3).expand(3), {2e-4, 2e-4, 2e-3});
  check_close(strata::slice(1e-5, 1e-3).expand(3), {1e-5, 1e-4, 1e-3});
  check_close(strata::slice(1e-6, 1e-4).expand(2), {1e-6, 1e-4});
  check_close(strata::slice(1e-5, 1e-2).expand(4), {1e-5, 1e-4, 1e-3, 1e-2});
  check_close(strata::HyperValue(3e-3).expand(3), {3e-3, 3e-3, 3e-3});
  check_close(strata::slice(1e-4).expand(2), strata_test::fastai_list("tiny.set_hyper(lr,slice(1e-4)).group_lrs"));
  CHECK_THROWS_WITH(strata::HyperValue(std::vector<double>{1, 2}).expand(3), Contains("2 values for 3 parameter groups"));
}

TEST_CASE("Adam: one step equals fastai's (optimizer.py: weight_decay, average_grad, average_sqr_grad, adam_step)", "[optim]") {
  auto p = torch::tensor({1.0f, -2.0f}).requires_grad_();
  p.mutable_grad() = torch::tensor({0.5f, 0.25f});
  strata::Adam adam({{p}}, 1e-3);
  adam.step();
  CHECK(p[0].item<float>() == Approx(0.99899000).epsilon(1e-6));
  CHECK(p[1].item<float>() == Approx(-2.00097990).epsilon(1e-6));
  CHECK(adam.hypers()[0] == strata::Hypers{{"eps", 1e-5}, {"lr", 1e-3}, {"mom", 0.9}, {"sqr_mom", 0.99}, {"wd", 0.01}});

  auto q = torch::tensor({1.0f, -2.0f}).requires_grad_();
  q.mutable_grad() = torch::tensor({0.5f, 0.25f});
  strata::Adam no_wd({{q}}, 1e-3);
  no_wd.state(q).do_wd = false;
  no_wd.step();
  // No decay: the Adam step alone moves each weight by ~lr against its gradient.
  CHECK(q[0].item<float>() == Approx(1.0 - 1e-3 * 0.5 / (0.5 + 1e-5 * 0.5 / 0.5 * 2)).epsilon(1e-5));
  CHECK(q[0].item<float>() > p[0].item<float>());
}

TEST_CASE("Optimizer: freeze_to keeps force_train parameters trainable and skips frozen ones", "[optim]") {
  auto a = torch::ones({2}).requires_grad_(), bn = torch::ones({2}).requires_grad_(), b = torch::ones({2}).requires_grad_();
  strata::Adam opt({{a, bn}, {b}});
  opt.state(bn).force_train = true;
  opt.freeze();
  CHECK(opt.frozen_idx() == 1);
  CHECK_FALSE(a.requires_grad());
  CHECK(bn.requires_grad());
  CHECK(b.requires_grad());
  (a.sum() * 0 + bn.sum() + b.sum()).backward();
  CHECK_FALSE(a.grad().defined());
  opt.step();
  CHECK(torch::equal(a, torch::ones({2})));
  CHECK_FALSE(torch::equal(bn, torch::ones({2})));
  opt.unfreeze();
  CHECK(a.requires_grad());
  CHECK(opt.frozen_idx() == 0);
}

TEST_CASE("Optimizer: clear_state keeps flags, state_dict round-trips", "[optim]") {
  auto p = torch::ones({3}).requires_grad_();
  strata::Adam opt({{p}}, 1e-2);
  p.mutable_grad() = torch::ones({3});
  opt.step();
  opt.state(p).do_wd = false;
  const auto saved = opt.state_dict();
  strata::Adam other({{p}});
  other.load_state_dict(saved);
  CHECK(other.state(p).step == 1);
  CHECK_FALSE(other.state(p).do_wd);
  CHECK(other.hyper(0, "lr") == 1e-2);
  CHECK(torch::equal(other.state(p).grad_avg, opt.state(p).grad_avg));
  opt.clear_state();
  CHECK(opt.state(p).step == 0);
  CHECK_FALSE(opt.state(p).grad_avg.defined());
  CHECK_FALSE(opt.state(p).do_wd);
  strata::Adam two_groups({{p}, {torch::ones({1})}});
  CHECK_THROWS_WITH(two_groups.load_state_dict(saved), Contains("1 parameter groups, the optimizer 2"));
}

TEST_CASE("SGD and RAdam: plain steps move against the gradient", "[optim]") {
  auto p = torch::tensor({1.0}).requires_grad_();
  p.mutable_grad() = torch::tensor({2.0});
  strata::SGD sgd({{p}}, 0.1);
  sgd.step();
  CHECK(p.item<double>() == Approx(0.8));
  auto q = torch::tensor({1.0}).requires_grad_();
  q.mutable_grad() = torch::tensor({2.0});
  strata::RAdam radam({{q}}, 0.1);
  radam.step();
  CHECK(q.item<double>() < 1.0);
}
