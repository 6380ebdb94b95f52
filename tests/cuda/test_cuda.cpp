// The CUDA paths, run where a GPU is present (scripts/gpu-check.sh on a GPU machine); on a machine
// without one each case says so and passes. Device placement, pinned non_blocking loading, a real
// training step, mixed precision with the loss scaler (skipping overflowed steps), channels_last,
// a DynamicUnet step.
#include <torch/torch.h>

#include "catch.h"
#include "strata/callbacks/mixed_precision.h"
#include "strata/learner/learner.h"
#include "strata/models/layers.h"
#include "strata/models/sequential.h"
#include "strata/models/create_head.h"
#include "strata/vision/unet_learner.h"

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

// Per optimizer step: the loss scale after it, and whether the weights moved.
class ScaleProbe : public strata::Callback {
 public:
  std::string name() const override { return "scale_probe"; }
  int order() const override { return 20; }  // after MixedPrecision (10) has updated the scale
  void before_batch(strata::Learner& l) override {
    if (l.training) before_ = l.module().parameters().front().detach().clone();
  }
  void after_step(strata::Learner& l) override {
    for (const auto& cb : l.callbacks())
      if (auto mp = std::dynamic_pointer_cast<strata::MixedPrecision>(cb)) scales.push_back(mp->scaler().get_scale());
    moved.push_back(!torch::equal(before_, l.module().parameters().front().detach()));
  }
  std::vector<double> scales;
  std::vector<bool> moved;

 private:
  torch::Tensor before_;
};

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

  // get_preds runs the same evaluation loop: autocast applies there too (the model's raw output,
  // before MixedPrecision (order 10) casts it back, is fp16), and the gathered activations are fp32.
  struct RawDtype : strata::Callback {
    std::string name() const override { return "raw_dtype"; }
    int order() const override { return 5; }
    void after_pred(strata::Learner& l) override { dtypes.push_back(l.pred.scalar_type()); }
    std::vector<c10::ScalarType> dtypes;
  };
  auto raw = std::make_shared<RawDtype>();
  learn.add_cb(raw);
  const auto preds = learn.get_preds();
  REQUIRE(raw->dtypes.size() == 2);  // 64 validation items, bs 32
  CHECK(raw->dtypes[0] == torch::kHalf);
  CHECK(preds.preds.scalar_type() == torch::kFloat);
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
  const auto max_difference = [&] { return (train(false) - train(true)).abs().max().item<double>(); };
  // cuDNN's convolutions run in TF32 by default on Ampere and later (PyTorch's default too), with
  // other algorithms per layout: the layouts agree to TF32's precision only. In full fp32 they
  // agree to rounding.
  auto& context = at::globalContext();
  const bool tf32 = context.allowTF32CuDNN();
  const double with_tf32 = max_difference();
  context.setAllowTF32CuDNN(false);
  const double without_tf32 = max_difference();
  context.setAllowTF32CuDNN(tf32);
  WARN("channels_last vs NCHW after one epoch, max |weight difference|: " << with_tf32 << " (TF32 "
       << (tf32 ? "on" : "off") << "), " << without_tf32 << " (TF32 off)");
  CHECK(without_tf32 < 1e-4);
  CHECK(with_tf32 < 1e-2);
}

TEST_CASE("CUDA: fp16 loss scaler skips overflowed steps, backs off, then grows after clean steps", "[cuda]") {
  if (!have_cuda()) return;
  auto learn = strata::Learner(image_dls(false), small_cnn(),
                               strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()));
  learn.logging = false;
  // 2^24 times the logits' gradient (up to ~1/64) is above fp16's 65504: the first step overflows.
  learn.add_cb(std::make_shared<strata::MixedPrecision>(c10::kHalf, strata::GradScaler(16777216.0, 2.0, 0.5, 2)));
  auto probe = std::make_shared<ScaleProbe>();
  learn.add_cb(probe);
  learn.fit(2, 1e-3);
  const auto& scales = probe->scales;
  const auto& moved = probe->moved;
  REQUIRE(scales.size() == 12);  // 192 / 32 batches x 2 epochs
  CHECK(scales[0] == 8388608.0);  // overflow: halved at once
  CHECK_FALSE(moved[0]);            // and the step was skipped
  std::size_t first_clean = 0;
  while (first_clean < moved.size() && !moved[first_clean]) ++first_clean;
  REQUIRE(first_clean + 2 < scales.size());
  for (std::size_t i = 1; i < first_clean; ++i) CHECK(scales[i] == scales[i - 1] / 2);
  // growth_interval 2: doubled after the second clean step (unless a later step overflows again)
  CHECK(scales[first_clean] == scales[first_clean - 1]);
  CHECK((scales[first_clean + 1] == 2 * scales[first_clean] || !moved[first_clean + 1]));
  CHECK(*std::max_element(scales.begin() + static_cast<long>(first_clean), scales.end()) > scales[first_clean]);
  for (const auto& p : learn.module().parameters()) CHECK(torch::isfinite(p).all().item<bool>());
}

// Segmentation: the mask is the sign of the first channel, 3 x 32 x 32 images.
TEST_CASE("CUDA: a DynamicUnet (resnet18) trains a step in fp16 and channels_last", "[cuda]") {
  if (!have_cuda()) return;
  torch::manual_seed(0);
  std::vector<strata::Item> items;
  for (int i = 0; i < 64; ++i) {
    auto x = torch::randn({3, 32, 32});
    items.push_back({strata::Value(strata::Kind::TensorImage, x),
                     strata::Value(strata::Kind::TensorMask, (x[0] > 0).to(torch::kLong))});
  }
  strata::Splits splits;
  for (int i = 0; i < 64; ++i) (i < 48 ? splits.train : splits.valid).push_back(i);
  auto dls = strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), splits),
                                 strata::DataLoadersOptions().bs(8).num_workers(2).seed(0).device(torch::kCUDA).pin_memory(true));
  auto learn = strata::unet_learner(dls, "resnet18", strata::UnetLearnerOptions().n_out(2).pretrained(false).normalize(false));
  learn->logging = false;
  learn->to_fp16();
  learn->to_channelslast();
  learn->fit_one_cycle(2, 1e-2);
  for (const auto& p : learn->module().parameters()) CHECK(p.is_cuda());
  const auto& values = learn->recorder().values;
  REQUIRE(values.size() == 2);
  CHECK(std::isfinite(*values[1][0]));
  CHECK(*values[1][1] < *values[0][1]);  // validation loss went down
  const auto preds = learn->get_preds();
  CHECK(preds.preds.sizes() == torch::IntArrayRef({16, 2, 32, 32}));
}
