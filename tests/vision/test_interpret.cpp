// ClassificationInterpretation / SegmentationInterpretation on known cases and on a trained model.
#include <sstream>

#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/vision/data_block.h"
#include "strata/vision/fashion_mnist.h"
#include "strata/vision/image_io.h"
#include "strata/vision/interpret.h"
#include "strata/vision/resize.h"
#include "strata/vision/vision_learner.h"

namespace fs = std::filesystem;
using strata_test::Contains;

TEST_CASE("ClassificationInterpretation: confusion matrix, most_confused and top_losses on a known case",
          "[vision]") {
  // Rows: probabilities over {a, b, c}; targets 0 1 0 2 2 -> predicted 0 1 1 2 0.
  const auto preds = torch::tensor({0.9, 0.1, 0.0, 0.2, 0.7, 0.1, 0.1, 0.8, 0.1, 0.0, 0.2, 0.8, 0.6, 0.3, 0.1}).view({5, 3});
  const auto targets = torch::tensor({0, 1, 0, 2, 2}, torch::kLong);
  const auto losses = torch::tensor({0.1, 0.3, 2.3, 0.2, 2.0});
  strata::ClassificationInterpretation interp(preds, targets, losses, {"a", "b", "c"});
  const auto cm = interp.confusion_matrix();
  CHECK(cm.equal(torch::tensor({1, 1, 0, 0, 1, 0, 1, 0, 1}, torch::kLong).view({3, 3})));
  const auto confused = interp.most_confused();
  REQUIRE(confused.size() == 2);
  CHECK((confused[0].actual == "a" && confused[0].predicted == "b" && confused[0].count == 1));
  CHECK((confused[1].actual == "c" && confused[1].predicted == "a" && confused[1].count == 1));
  CHECK(interp.most_confused(2).empty());
  auto [values, indices] = interp.top_losses(2);
  CHECK(indices.equal(torch::tensor({2, 4}, torch::kLong)));
  CHECK(values[0].item<double>() == Approx(2.3));
  CHECK(interp.top_losses().second.size(0) == 5);
  const std::string text = interp.confusion_matrix_text();
  CHECK_THAT(text, Contains("actual\\pred"));
  strata_test::TempDir dir;
  interp.plot_confusion_matrix(dir / "cm.png");
  CHECK(strata::read_image(dir / "cm.png").tensor().size(0) > 100);
  CHECK_THROWS_WITH(interp.plot_top_losses(2, dir / "top.png"), Contains("no loader"));
}

TEST_CASE("ClassificationInterpretation.from_learner: counts add up, plots are written", "[vision]") {
  strata_test::TempDir dir;
  strata::FashionMnistOptions o;
  o.classes = {0, 1, 7};
  o.per_class = 12;
  const auto files = strata::materialize_fashion_mnist(dir.path(), o);
  torch::manual_seed(0);
  auto dls = strata::ImageDataLoaders::from_name_re(
      files, R"(^(.*)_\d+\.png$)",
      strata::ImageDataLoadersOptions().item_tfms({std::make_shared<strata::Resize>(32)}).loaders(
          strata::DataLoadersOptions().bs(8).num_workers(0).seed(0)));
  auto learn = strata::vision_learner(dls, "resnet18",
                                      strata::VisionLearnerOptions().model(strata::VisionModelOptions().pretrained(false)));
  std::ostringstream out;
  learn->out = &out;
  learn->fit(1, 1e-3);
  auto interp = strata::ClassificationInterpretation::from_learner(*learn);
  const auto cm = interp.confusion_matrix();
  CHECK(cm.sum().item<int64_t>() == static_cast<int64_t>(learn->dls().valid().n_items()));
  const double accuracy = (interp.preds().argmax(1) == interp.targets()).to(torch::kFloat).mean().item<double>();
  CHECK(torch::diagonal(cm).sum().item<double>() / cm.sum().item<double>() == Approx(accuracy));
  interp.plot_top_losses(4, dir / "top_losses.png");
  CHECK(fs::file_size(dir / "top_losses.png") > 1000);
  interp.plot_confusion_matrix(dir / "confusion.png");
  CHECK(fs::exists(dir / "confusion.png"));
}
