// The Pets Siamese walk-through (examples/pets_siamese) at a tiny scale on real images: it must
// learn, and freezing must leave the encoder's weights alone except BatchNorm.
#include <sstream>

#include <torch/torch.h>

#include "catch.h"
#include "embedded_data.h"
#include "fixtures.h"
#include "siamese_transform.h"

namespace fs = std::filesystem;

TEST_CASE("Pets Siamese flow on Fashion-MNIST: learns, and freeze keeps the encoder", "[e2e]") {
  strata_test::TempDir dir;
  strata::seed_everything(7);
  PretrainOptions p;
  p.per_class = 400;
  p.epochs = 1;
  p.workers = 2;
  std::ostringstream log;
  auto* old = std::cout.rdbuf(log.rdbuf());
  const auto weights = pretrained_body(dir.path(), p);
  const auto data = siamese_default_data(dir.path(), 120);
  std::cout.rdbuf(old);

  const auto files = strata::get_image_files(data / "images");
  REQUIRE(files.size() == 600);
  strata::RegexLabeller label(R"(^(.*)_\d+\.(jpg|png)$)");
  const auto splits = strata::RandomSplitter(0.2, 1)(files);
  strata::TfmdLists tls(files, strata::Pipeline({std::make_shared<SiameseTransform>(files, label, splits, 1)}), splits);
  auto dls = strata::dataloaders(
      tls, strata::DataLoadersOptions()
               .bs(32)
               .num_workers(2)
               .seed(1)
               .after_item(strata::Pipeline({std::make_shared<strata::Resize>(32), std::make_shared<strata::ToTensor>()}))
               .after_batch(strata::Pipeline({std::make_shared<strata::IntToFloatTensor>(),
                                              strata::Normalize::from_stats(strata::imagenet_stats)})));
  auto batch = dls.one_batch();
  REQUIRE(batch.size() == 3);
  CHECK(batch[0].tensor().sizes() == torch::IntArrayRef({32, 3, 32, 32}));

  auto arch = strata::resnet18();
  CHECK(strata::load_state_dict(*arch, weights, false).loaded.size() == 120);
  auto encoder = strata::create_body(arch, strata::BodyOptions().cut(-2));
  strata::SiameseModel model(encoder, strata::create_head(512 * 2, 2, strata::HeadOptions().ps({0.5})));
  strata::Learner learn(dls, model,
                        strata::LearnerOptions()
                            .loss_func(strata::CrossEntropyLossFlat())
                            .splitter(strata::siamese_splitter)
                            .metrics({strata::accuracy}));
  std::ostringstream out;
  learn.out = &out;
  std::map<std::string, torch::Tensor> before;
  for (const auto& p : encoder->named_parameters()) before[p.key()] = p.value().detach().clone();

  learn.freeze();
  learn.fit_one_cycle(4, 3e-3);
  INFO(out.str());
  for (const auto& p : encoder->named_parameters()) {
    INFO(p.key());
    const bool is_bn = p.key().find("bn") != std::string::npos || p.key() == "1.weight" || p.key() == "1.bias" ||
                       p.key().find("downsample.1") != std::string::npos;
    CHECK(torch::equal(before[p.key()], p.value()) != is_bn);
  }
  const auto& values = learn.recorder().values;
  CHECK(*values.back()[1] < *values.front()[1]);  // valid loss below its first-epoch value
  CHECK(*values.back()[2] > 0.65);                // same/different: chance is 0.5
  learn.unfreeze();
  learn.fit_one_cycle(1, strata::slice(1e-6, 1e-4));
  CHECK(*learn.recorder().final_record()[2] > 0.65);
}
