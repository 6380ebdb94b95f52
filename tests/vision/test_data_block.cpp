#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/core/state_dict.h"
#include "strata/models/layers.h"
#include "strata/vision/data_block.h"
#include "strata/vision/fashion_mnist.h"
#include "strata/vision/resize.h"
#include "strata/vision/tensor_transforms.h"
#include "strata/vision/vision_learner.h"

using strata_test::Contains;
namespace fs = std::filesystem;

namespace {
strata::Paths fashion(const fs::path& dir, int per_class) {
  strata::FashionMnistOptions o;
  o.classes = {1, 5, 8};
  o.per_class = per_class;
  return strata::materialize_fashion_mnist(dir, o);
}
const char* kPattern = R"(^(.*)_\d+\.png$)";
}  // namespace

TEST_CASE("DataBlock: ImageBlock + CategoryBlock over real files", "[vision]") {
  strata_test::TempDir dir;
  fashion(dir.path(), 40);
  strata::RegexLabeller label(kPattern);
  strata::DataBlock block({strata::ImageBlock(), strata::CategoryBlock()},
                          strata::DataBlockOptions()
                              .get_y([label](const fs::path& p) { return label(p); })
                              .splitter(strata::RandomSplitter(0.25, 1))
                              .item_tfms({std::make_shared<strata::Resize>(32)}));
  REQUIRE(block.item_tfms().size() == 2);
  CHECK(block.item_tfms()[0]->name() == "ToTensor");
  auto dls = block.dataloaders(dir / "images", strata::DataLoadersOptions().bs(16).num_workers(2));
  CHECK(dls.vocab() == std::vector<std::string>{"Bag", "Sandal", "Trouser"});
  CHECK(dls.train().n_items() == 90);
  auto batch = dls.one_batch();
  CHECK(batch[0].kind() == strata::Kind::TensorImage);
  CHECK(batch[0].tensor().sizes() == torch::IntArrayRef({16, 3, 32, 32}));
  CHECK(batch[0].tensor().scalar_type() == torch::kFloat);
  CHECK(batch[1].kind() == strata::Kind::Category);
  const auto report = block.summary(dir / "images");
  CHECK_THAT(report, Contains("found 120 items"));
  CHECK_THAT(report, Contains("PILImage.create -> (Image Byte [28, 28, 3])"));
  // The item transforms walk the whole sample in order: Resize (order 1), then ToTensor (order 5).
  CHECK_THAT(report, Contains("Applying item_tfms to the first sample (training):\n"
                              "  Resize -> (Image Byte [32, 32, 3], Category"));
  CHECK_THAT(report, Contains("  ToTensor -> (TensorImage Byte [3, 32, 32], Category"));
  CHECK_THAT(report, Contains("No problems found."));
}

TEST_CASE("DataBlock.summary says which step fails on which file", "[vision]") {
  strata_test::TempDir dir;
  fashion(dir.path(), 5);
  strata_test::write_text(dir / "images/Bag_0.png", "not a png");  // the first training item below
  strata::RegexLabeller label(kPattern);
  strata::DataBlock block({strata::ImageBlock(), strata::CategoryBlock()},
                          strata::DataBlockOptions()
                              .get_y([label](const fs::path& p) { return label(p); })
                              .splitter(strata::IndexSplitter({14})));
  const auto report = block.summary(dir / "images");
  CHECK_THAT(report, Contains("FAILED while applying PILImage.create of pipeline 0 (ImageBlock)"));
  CHECK_THAT(report, Contains("Bag_0.png' is not a decodable image"));
  strata::DataBlock bad_label({strata::ImageBlock(), strata::CategoryBlock()},
                              strata::DataBlockOptions().get_y([](const fs::path& p) -> std::string {
                                throw strata::ValueError("no label for " + p.filename().string());
                              }));
  CHECK_THAT(bad_label.summary(dir / "images"), Contains("FAILED while setting up the pipelines"));
  CHECK_THROWS_WITH(strata::DataBlock({strata::ImageBlock()}), Contains("needs at least an input and a target"));
}

TEST_CASE("ImageDataLoaders: from_name_re and from_folder", "[vision]") {
  strata_test::TempDir dir;
  const auto files = fashion(dir.path(), 20);
  auto dls = strata::ImageDataLoaders::from_name_re(
      files, kPattern, strata::ImageDataLoadersOptions().loaders(strata::DataLoadersOptions().bs(8).num_workers(0)));
  CHECK(dls.c() == 3);
  CHECK(dls.valid().n_items() == 12);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto label = files[i].filename().string().substr(0, files[i].filename().string().find('_'));
    const auto dest = dir / (i % 4 == 0 ? "valid" : "train") / label / files[i].filename();
    fs::create_directories(dest.parent_path());
    fs::copy_file(files[i], dest);
  }
  auto folder = strata::ImageDataLoaders::from_folder(
      dir.path(), "train", "valid", strata::ImageDataLoadersOptions().loaders(strata::DataLoadersOptions().bs(8).num_workers(0)));
  CHECK(folder.vocab() == std::vector<std::string>{"Bag", "Sandal", "Trouser"});
  CHECK(folder.valid().n_items() == 15);
  CHECK(folder.train().n_items() == 45);
}

TEST_CASE("vision_learner: 3 groups, frozen with BatchNorm trainable, Normalize added", "[vision]") {
  strata_test::TempDir dir;
  const auto files = fashion(dir.path(), 24);
  auto dls = strata::ImageDataLoaders::from_name_re(
      files, kPattern, strata::ImageDataLoadersOptions().loaders(strata::DataLoadersOptions().bs(16).num_workers(2)));
  const auto weights = dir / "resnet18.pth";
  strata::save_pth(strata::state_dict(*strata::resnet18()), weights);
  std::ostringstream out;
  auto learn = strata::vision_learner(
      dls, "resnet18",
      strata::VisionLearnerOptions()
          .model(strata::VisionModelOptions().weights(weights.string()))
          .learner(strata::LearnerOptions().metrics({strata::error_rate})));
  learn->out = &out;
  CHECK(learn->opt().n_groups() == 3);
  CHECK(learn->opt().frozen_idx() == 2);
  int64_t trainable = 0;
  for (const auto& p : learn->module().parameters()) trainable += p.requires_grad() ? p.numel() : 0;
  // head of create_head(512, 3) + the body's BatchNorms (9,600 for resnet18)
  CHECK(trainable == strata::count_parameters(*strata::create_head(512, 3)) + 9600);
  const auto& after = learn->dls().train().options().after_batch().transforms();
  CHECK(after.back()->name() == "Normalize");
  learn->fine_tune(1, 2e-3);
  CHECK(learn->recorder().values.size() == 1);
  CHECK_THAT(out.str(), Contains("error_rate"));
}
