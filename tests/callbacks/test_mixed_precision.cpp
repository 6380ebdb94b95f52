#include <torch/torch.h>

#include "catch.h"
#include "strata/callbacks/mixed_precision.h"
#include "strata/core/error.h"
#include "strata/learner/learner.h"
#include "strata/models/sequential.h"

using strata_test::Contains;

TEST_CASE("GradScaler: unscales, detects overflow, backs off at once and grows after an interval", "[callbacks]") {
  strata::GradScaler scaler(1024.0, 2.0, 0.5, 3);
  auto p = torch::ones({2}).requires_grad_();
  scaler.scale((p * 3).sum()).backward();
  CHECK(p.grad()[0].item<float>() == 3 * 1024.0f);
  CHECK_FALSE(scaler.unscale({p}));
  CHECK(p.grad()[0].item<float>() == 3.0f);
  p.mutable_grad() = torch::tensor({1.0f, std::numeric_limits<float>::infinity()});
  CHECK(scaler.unscale({p}));
  scaler.update(true);
  CHECK(scaler.get_scale() == 512.0);
  for (int i = 0; i < 2; ++i) scaler.update(false);
  CHECK(scaler.get_scale() == 512.0);
  scaler.update(false);
  CHECK(scaler.get_scale() == 1024.0);
  p.mutable_grad() = torch::tensor({1.0f, std::nanf("")});
  CHECK(scaler.unscale({p}));
  CHECK_THROWS_WITH(strata::GradScaler(1.0, 0.5), Contains("growth_factor > 1"));
}

TEST_CASE("to_fp16 on a CPU learner: a clear error before training, to_fp32 removes it", "[callbacks]") {
  std::vector<strata::Item> items;
  for (int i = 0; i < 8; ++i)
    items.push_back({strata::Value(strata::Kind::Tensor, torch::randn({4})), strata::Value::category(i % 2)});
  strata::TfmdLists tls(items, strata::Pipeline(), strata::Splits{{0, 1, 2, 3, 4, 5}, {6, 7}});
  auto dls = strata::dataloaders(tls, strata::DataLoadersOptions().bs(2).num_workers(0));
  strata::Sequential net(torch::nn::Linear(4, 2));
  strata::Learner learn(dls, net, strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()));
  learn.logging = false;
  learn.to_fp16();
  CHECK_THROWS_AS(learn.fit(1), strata::ValueError);
  CHECK_THROWS_WITH(learn.fit(1), Contains("MixedPrecision: autocast and loss scaling need a CUDA device, the data is on cpu"));
  learn.to_bf16();
  int n = 0;
  for (const auto& cb : learn.callbacks()) n += cb->name() == "mixed_precision";
  CHECK(n == 1);
  learn.to_fp32();
  CHECK_NOTHROW(learn.fit(1));
  CHECK_THROWS_WITH(strata::MixedPrecision(c10::kFloat), Contains("dtype must be Half or BFloat16"));
}
