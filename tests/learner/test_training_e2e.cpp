// Real learning on real data: Fashion-MNIST images from Debian, through files, loaders and Learner.
#include <sstream>

#include <torch/torch.h>

#include "catch.h"
#include "fashion_data.h"
#include "fixtures.h"
#include "strata/data/category.h"
#include "strata/data/data_loaders.h"
#include "strata/data/labellers.h"
#include "strata/learner/learner.h"
#include "strata/models/create_head.h"
#include "strata/models/layers.h"
#include "strata/models/splitters.h"
#include "strata/vision/fashion_mnist.h"
#include "strata/vision/image_io.h"
#include "strata/vision/plots.h"
#include "strata/vision/tensor_transforms.h"

using strata::Item;
using strata::Value;

namespace {

strata::DataLoaders fashion_dls(const std::filesystem::path& dir, int per_class) {
  strata::FashionMnistOptions opts;
  opts.per_class = per_class;
  const auto files = strata::materialize_fashion_mnist(dir, opts);
  return strata::dataloaders(strata_test::fashion_datasets(files), strata::DataLoadersOptions()
                                        .bs(64)
                                        .num_workers(2)
                                        .seed(0)
                                        .after_item(strata::Pipeline({std::make_shared<strata::ToTensor>()}))
                                        .after_batch(strata::Pipeline({std::make_shared<strata::IntToFloatTensor>(),
                                                                       strata::Normalize::from_stats(strata::imagenet_stats)})));
}

// A small CNN body (28 -> 14 -> 7 -> 4) with a fastai head: Sequential(body, head).
strata::Sequential small_cnn(int64_t n_out) {
  strata::Sequential body(strata::ConvLayer(strata::ConvLayerOptions(3, 32).stride(2)),
                          strata::ConvLayer(strata::ConvLayerOptions(32, 64).stride(2)),
                          strata::ConvLayer(strata::ConvLayerOptions(64, 128).stride(2)));
  auto head = strata::create_head(128, n_out);
  strata::apply_init(*head);
  return strata::Sequential(body, head);
}

}  // namespace

TEST_CASE("Learner on Fashion-MNIST: fit_one_cycle learns, valid loss falls, accuracy far above chance",
          "[learner][e2e]") {
  strata_test::TempDir dir;
  torch::manual_seed(0);
  auto dls = fashion_dls(dir.path(), 500);  // 5,000 real images, 10 classes
  REQUIRE(dls.c() == 10);
  auto model = small_cnn(10);
  std::ostringstream out;
  strata::Learner learn(dls, model, strata::LearnerOptions().metrics({strata::accuracy}).splitter(strata::default_split));
  learn.out = &out;
  learn.fit_one_cycle(5, 1e-2);
  INFO(out.str());
  const auto& values = learn.recorder().values;
  REQUIRE(values.size() == 5);
  CHECK(*values.back()[1] < *values.front()[1]);  // validation loss decreases
  CHECK(*values.back()[2] > 0.80);                // 10 classes: chance is 0.10
  const auto check = learn.validate();
  CHECK(*check[1] == Approx(*values.back()[2]).epsilon(1e-6));
  const auto preds = learn.get_preds(1, true);
  CHECK(preds.preds.size(0) == 1000);
  CHECK((preds.decoded == preds.targets).to(torch::kFloat).mean().item<double>() == Approx(*check[1]).epsilon(1e-6));

  strata::plot_loss(learn.recorder(), dir / "loss.png");
  strata::plot_sched(learn.recorder(), dir / "sched.png");
  const auto lrs = learn.lr_find();
  CHECK(lrs.valley > 1e-6);
  CHECK(lrs.valley < 1.0);
  strata::plot_lr_find(learn.recorder(), dir / "lr_find.png");
  for (const char* png : {"loss.png", "sched.png", "lr_find.png"})
    CHECK(strata::read_image(dir / png).tensor().sizes() == torch::IntArrayRef({420, 640, 3}));
}

TEST_CASE("Learner: freeze keeps body weights bit-identical except BatchNorm; unfreeze moves them",
          "[learner][e2e]") {
  strata_test::TempDir dir;
  torch::manual_seed(1);
  auto dls = fashion_dls(dir.path(), 40);
  auto model = small_cnn(10);
  std::ostringstream out;
  strata::Learner learn(dls, model, strata::LearnerOptions().splitter(strata::default_split));
  learn.out = &out;
  auto body = model[0];
  auto named = body->named_parameters();
  std::map<std::string, torch::Tensor> before;
  for (const auto& p : named) before[p.key()] = p.value().detach().clone();
  learn.freeze();
  learn.fit_one_cycle(1, 1e-2);
  for (const auto& p : body->named_parameters()) {
    INFO(p.key());
    const bool is_bn = p.key().find(".1.") != std::string::npos;  // ConvLayer child 1 is the BatchNorm
    CHECK(torch::equal(before[p.key()], p.value()) != is_bn);
  }
  learn.unfreeze();
  learn.fit_one_cycle(1, 1e-3);
  CHECK_FALSE(torch::equal(before["0.0.weight"], body->named_parameters()["0.0.weight"]));
}
