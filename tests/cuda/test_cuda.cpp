// The CUDA paths, run where a GPU is present (scripts on a GPU machine run `ctest -L cuda`); on a
// machine without one each case says so and passes. Device placement, pinned non_blocking
// loading, a real training step, mixed precision with the loss scaler, channels_last.
#include <torch/torch.h>

#include "catch.h"
#include "strata/callbacks/mixed_precision.h"
#include "strata/learner/learner.h"
#include "strata/models/layers.h"
#include "strata/models/sequential.h"
#include "strata/models/create_head.h"

namespace {

bool have_cuda() {
  if (torch::cuda::is_available()) return true;
  WARN("no CUDA device: skipped");
  return false;
}

// A separable task: the class is the sign of the first pixel's mean, images 3 x 16 x 16.
strata::DataLoaders image_dls(bool pin) {
  torch::manual_seed(0);
  std::vector<strata::Item> items;
  for (int i = 0; i < 256; ++i) {
    const int label = i % 2;
    auto x = torch::randn({3, 16, 16}) + (label ? 1.0 : -1.0);
    items.push_back({strata::Value(strata::Kind::TensorImage, x), strata::Value::category(label)});
  }
  strata::Splits splits;
  for (int i = 0; i < 256; ++i) (i < 192 ? splits.train : splits.valid).push_back(i);
  return strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), splits),
                             strata::DataLoadersOptions().bs(32).num_workers(2).seed(0).device(torch::kCUDA).pin_memory(pin));
}

strata::Sequential small_cnn() {
  strata::Sequential body(strata::ConvLayer(strata::ConvLayerOptions(3, 16).stride(2)),
                          strata::ConvLayer(strata::ConvLayerOptions(16, 32).stride(2)));
  return strata::Sequential(body, strata::create_head(32, 2));
}

}  // namespace

TEST_CASE("CUDA: loader batches arrive on the GPU, pinned and non_blocking", "[cuda]") {
  if (!have_cuda()) return;
  auto dls = image_dls(true);
  auto batch = dls.one_batch();
  CHECK(batch[0].tensor().is_cuda());
  CHECK(batch[1].tensor().is_cuda());
  CHECK(batch[0].tensor().sizes() == torch::IntArrayRef({32, 3, 16, 16}));
  const auto cpu_batch = dls.train().build_batch(0, 0, dls.train().order(0));
  CHECK(cpu_batch[0].tensor().is_pinned());
}

TEST_CASE("CUDA: a Learner trains on the GPU, predictions come back to the CPU", "[cuda]") {
  if (!have_cuda()) return;
  auto learn = strata::Learner(image_dls(true), small_cnn(),
                               strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).metrics({strata::accuracy}));
  learn.logging = false;
  learn.fit_one_cycle(3, 1e-2);
  for (const auto& p : learn.module().parameters()) CHECK(p.is_cuda());
  CHECK(*learn.recorder().final_record().at(2) > 0.9);
  const auto preds = learn.get_preds();
  CHECK_FALSE(preds.preds.is_cuda());
  CHECK(preds.preds.size(0) == 64);
}

TEST_CASE("CUDA: to_fp16 trains with autocast and the loss scaler, weights stay fp32", "[cuda]") {
  if (!have_cuda()) return;
  auto learn = strata::Learner(image_dls(false), small_cnn(),
                               strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).metrics({strata::accuracy}));
  learn.logging = false;
  learn.to_fp16();
  learn.fit_one_cycle(3, 1e-2);
  for (const auto& p : learn.module().parameters()) CHECK(p.scalar_type() == torch::kFloat);
  const auto& values = learn.recorder().values;
  REQUIRE(values.size() == 3);
  CHECK(std::isfinite(*values.back()[0]));
  CHECK(*values.back()[2] > 0.9);
  const auto cbs = learn.callbacks();
  const auto mp = std::find_if(cbs.begin(), cbs.end(), [](const auto& cb) { return cb->name() == "mixed_precision"; });
  REQUIRE(mp != cbs.end());
  CHECK(std::dynamic_pointer_cast<strata::MixedPrecision>(*mp)->scaler().get_scale() > 1.0);
}

TEST_CASE("CUDA: channels_last training matches the default layout", "[cuda]") {
  if (!have_cuda()) return;
  const auto train = [](bool nhwc) {
    torch::manual_seed(0);
    auto learn = std::make_unique<strata::Learner>(image_dls(false), small_cnn(),
                                                   strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()));
    learn->logging = false;
    if (nhwc) learn->to_channelslast();
    learn->fit(1, 1e-3);
    return learn->module().parameters()[0].detach().contiguous().cpu();
  };
  CHECK(torch::allclose(train(false), train(true), 1e-3, 1e-4));
}
