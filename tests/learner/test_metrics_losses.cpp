#include <torch/torch.h>

#include "catch.h"
#include "strata/core/error.h"
#include "strata/learner/loss.h"
#include "strata/learner/metrics.h"

using strata_test::Contains;

TEST_CASE("CrossEntropyLossFlat: equals cross entropy, any axis, activation and decodes", "[learner]") {
  auto pred = torch::randn({4, 3});
  auto targ = torch::tensor({0, 2, 1, 2}, torch::kInt);  // int32 targets become int64
  auto ce = strata::CrossEntropyLossFlat();
  CHECK(torch::allclose(ce(pred, targ), torch::nn::functional::cross_entropy(pred, targ.to(torch::kLong))));
  CHECK(torch::allclose(ce.activation(pred).sum(1), torch::ones({4})));
  CHECK(torch::equal(ce.decodes(pred), pred.argmax(1)));
  CHECK(ce.per_item(pred, targ).sizes() == torch::IntArrayRef({4}));
  // Segmentation: [B, C, H, W] logits against [B, H, W] masks with axis 1.
  auto seg = torch::randn({2, 3, 4, 5});
  auto mask = torch::randint(0, 3, {2, 4, 5}, torch::kLong);
  auto ce1 = strata::CrossEntropyLossFlat(1);
  CHECK(torch::allclose(ce1(seg, mask), torch::nn::functional::cross_entropy(seg, mask)));
  CHECK(ce1.per_item(seg, mask).sizes() == torch::IntArrayRef({2}));
  CHECK_THROWS_WITH(ce(pred, torch::zeros({4})), Contains("targets must be class indices"));
  CHECK_THROWS_WITH(ce(pred, torch::zeros({5}, torch::kLong)), Contains("4 predictions for 5 targets"));
}

TEST_CASE("BCEWithLogitsLossFlat, MSELossFlat and LabelSmoothingCrossEntropy", "[learner]") {
  auto pred = torch::randn({4, 2});
  auto targ = torch::tensor({{1, 0}, {0, 1}, {1, 1}, {0, 0}});
  auto bce = strata::BCEWithLogitsLossFlat();
  CHECK(torch::allclose(bce(pred, targ), torch::binary_cross_entropy_with_logits(pred, targ.to(torch::kFloat))));
  CHECK(torch::equal(bce.decodes(bce.activation(pred)), torch::sigmoid(pred) > 0.5));
  auto mse = strata::MSELossFlat();
  CHECK(mse(torch::ones({3, 1}), torch::zeros({3})).item<float>() == 1.0f);
  auto ls = strata::LabelSmoothingCrossEntropy(0.0);
  auto t = torch::tensor({1, 0, 1, 0});
  CHECK(torch::allclose(ls(pred, t), torch::nn::functional::cross_entropy(pred, t)));
}

TEST_CASE("Metrics: accuracy, error_rate, top_k, foreground_acc, Dice, Jaccard", "[learner]") {
  auto pred = torch::tensor({{0.1, 0.9}, {0.8, 0.2}, {0.3, 0.7}, {0.6, 0.4}});
  auto targ = torch::tensor({1, 0, 0, 0});
  CHECK(strata::accuracy(pred, targ).item<float>() == 0.75f);
  CHECK(strata::error_rate(pred, targ).item<float>() == 0.25f);
  CHECK(strata::top_k_accuracy(pred, targ, 2).item<float>() == 1.0f);
  // Segmentation: 1 image, 2 classes, 2x2 pixels; background pixels are ignored by foreground_acc.
  auto seg = torch::tensor({{{{0.9, 0.1}, {0.9, 0.1}}, {{0.1, 0.9}, {0.1, 0.9}}}});  // predicts [[0,1],[0,1]]
  auto mask = torch::tensor({{{0, 1}, {1, 1}}});
  CHECK(strata::foreground_acc(seg, mask).item<float>() == Approx(2.0 / 3));
  auto dice = strata::Dice();
  dice->reset();
  dice->accumulate(seg, mask);
  CHECK(*dice->value() == Approx(2.0 * 2 / (2 + 3)));  // inter 2, |pred| 2 + |targ| 3
  auto jac = strata::JaccardCoeff();
  jac->reset();
  jac->accumulate(seg, mask);
  CHECK(*jac->value() == Approx(2.0 / 3));
  auto multi = strata::Dice(true);
  multi->reset();
  multi->accumulate(seg, mask);
  CHECK(*multi->value() == Approx((2.0 * 1 / 3 + 2.0 * 2 / 5) / 2));
}

TEST_CASE("ForegroundAcc: background and void pixels are ignored", "[learner]") {
  // 1 image, 3 classes, 1x4 pixels; predictions 1, 1, 2, 0; targets 0 (bkg), 1, 2 (void), 1.
  auto pred = torch::zeros({1, 3, 1, 4});
  pred[0][1][0][0] = 1, pred[0][1][0][1] = 1, pred[0][2][0][2] = 1, pred[0][0][0][3] = 1;
  auto targ = torch::tensor({{{0, 1, 2, 1}}});
  auto plain = strata::ForegroundAcc();
  plain->reset();
  plain->accumulate(pred, targ);
  CHECK(*plain->value() == Approx(2.0 / 3));  // pixels 1, 2, 3: right, right, wrong
  auto no_void = strata::ForegroundAcc(0, 2);
  no_void->reset();
  no_void->accumulate(pred, targ);
  CHECK(*no_void->value() == Approx(0.5));  // pixels 1, 3: right, wrong
  CHECK(no_void->name() == "acc_no_void");
}
