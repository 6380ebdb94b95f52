// Masks from real Fashion-MNIST images (garment vs background) through SegmentationDataLoaders,
// MultiCategoryBlock, and the mask overlay of show_batch.
#include <sstream>

#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/data/category.h"
#include "strata/vision/augment.h"
#include "strata/vision/data_block.h"
#include "strata/vision/fashion_mnist.h"
#include "strata/vision/image_io.h"
#include "strata/vision/show.h"
#include "strata/vision/unet_learner.h"

namespace fs = std::filesystem;
using strata_test::Contains;

namespace {
// Garment-vs-background masks (pixels brighter than 30) for Fashion-MNIST images, in dir/labels.
void write_garment_masks(const strata::Paths& files, const fs::path& dir) {
  fs::create_directories(dir / "labels");
  for (const auto& f : files) {
    const auto grey = strata::read_image(f).tensor().select(2, 0);
    strata::write_image(dir / "labels" / f.filename(), strata::Value(strata::Kind::Mask, (grey > 30).to(torch::kByte)));
  }
}
}  // namespace

TEST_CASE("SegmentationDataLoaders.from_label_func: images and aligned masks, augmented together", "[vision]") {
  strata_test::TempDir dir;
  strata::FashionMnistOptions o;
  o.classes = {0, 1};
  o.per_class = 20;
  const auto files = strata::materialize_fashion_mnist(dir.path(), o);
  write_garment_masks(files, dir.path());
  auto label = [&](const fs::path& p) { return (dir / "labels" / p.filename()).string(); };
  auto dls = strata::SegmentationDataLoaders::from_label_func(
      files, label, {"background", "garment"},
      strata::SegmentationDataLoadersOptions()
          .batch_tfms(strata::aug_transforms())
          .loaders(strata::DataLoadersOptions().bs(8).num_workers(2)));
  CHECK(dls.vocab() == std::vector<std::string>{"background", "garment"});
  auto batch = dls.one_batch();
  REQUIRE(batch.size() == 2);
  CHECK(batch[0].tensor().sizes() == torch::IntArrayRef({8, 3, 28, 28}));
  CHECK(batch[1].kind() == strata::Kind::TensorMask);
  CHECK(batch[1].tensor().sizes() == torch::IntArrayRef({8, 28, 28}));
  CHECK(batch[1].tensor().scalar_type() == torch::kLong);
  // Augmented together: where the mask says garment, the image is brighter than background.
  const auto img = batch[0].tensor().mean(1);
  const auto m = batch[1].tensor().to(torch::kBool);
  CHECK(img.masked_select(m).mean().item<float>() > img.masked_select(m.logical_not()).mean().item<float>() + 0.1f);
  strata::show_batch(dls.train(), dir / "seg.png");
  CHECK(strata::read_image(dir / "seg.png").tensor().size(2) == 3);
}

TEST_CASE("MultiCategorize: one-hot targets from joined labels, decoded back", "[data]") {
  strata::MultiCategorize multi;
  std::vector<std::string> labels{"cat;dog", "dog", "bird;cat"};
  multi.setup({labels.size(), [&](std::size_t i) { return strata::Item{strata::Value::text(labels[i])}; }});
  CHECK(multi.vocab().vocab() == std::vector<std::string>{"bird", "cat", "dog"});
  strata::TransformContext ctx;
  auto v = multi(strata::Value::text("dog;bird"), ctx);
  CHECK(v.kind() == strata::Kind::MultiCategory);
  CHECK(torch::equal(v.tensor(), torch::tensor({1.0f, 0.0f, 1.0f})));
  CHECK(multi.decode(strata::Item{v})[0].str() == "bird;dog");
  CHECK_THROWS_WITH(multi(strata::Value::text("cow"), ctx), Contains("label 'cow' is not in the vocab"));
}

TEST_CASE("unet_learner on Fashion-MNIST garment masks: Dice far above the all-background prediction",
          "[vision][e2e]") {
  strata_test::TempDir dir;
  strata::seed_everything(0);
  strata::FashionMnistOptions o;
  o.classes = {0, 1, 7, 8};
  o.per_class = 60;
  const auto files = strata::materialize_fashion_mnist(dir.path(), o);
  write_garment_masks(files, dir.path());
  auto dls = strata::SegmentationDataLoaders::from_label_func(
      files, [&](const fs::path& p) { return (dir / "labels" / p.filename()).string(); }, {"background", "garment"},
      strata::SegmentationDataLoadersOptions().loaders(strata::DataLoadersOptions().bs(16).num_workers(2).seed(0)));
  auto learn = strata::unet_learner(
      dls, "resnet18",
      strata::UnetLearnerOptions().pretrained(false).learner(
          strata::LearnerOptions().metrics({strata::Dice(), strata::foreground_acc})));
  std::ostringstream out;
  learn->out = &out;
  learn->fit_one_cycle(3, 3e-3);
  INFO(out.str());
  const auto record = learn->recorder().final_record();
  CHECK(*record[2] > 0.8);  // Dice: predicting all background scores 0
  CHECK(*record[3] > 0.8);  // foreground accuracy: all background scores 0
  strata::show_results(*learn, dir / "results.png", 4);
}
