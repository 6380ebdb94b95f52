// Extending strata the fastai way: your own Transform (encodes/decodes by type, a random
// train-only augmentation), your own DataBlock labels (get_y), DataBlock.summary() to check the
// pipeline, then training on it. Runs on real Fashion-MNIST images (Debian's dataset-fashion-mnist).
#include <iostream>

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <strata/strata.h>

#include "example_cli.h"

namespace fs = std::filesystem;

// fastai:
//   class RandomErase(RandTransform):
//       split_idx = 0                      # training items only
//       def encodes(self, x: TensorImage): ...zero a random box...
// Encodes only TensorImage values: the label in the same item passes through untouched. The
// box comes from the item's own generator, so the result depends on (seed, epoch, item) only,
// never on the number of loader threads.
class RandomErase : public strata::Transform {
 public:
  explicit RandomErase(double max_frac = 0.4)
      : strata::Transform("RandomErase", /*order=*/6, strata::Split::Train) {  // after ToTensor (5)
    define_encodes(strata::Kind::TensorImage, [max_frac](const strata::Value& v, strata::TransformContext& ctx) {
      auto& rng = ctx.generator("RandomErase");
      const auto h = v.tensor().size(1), w = v.tensor().size(2);
      const auto bh = static_cast<std::int64_t>(rng.uniform(0.1, max_frac) * static_cast<double>(h));
      const auto bw = static_cast<std::int64_t>(rng.uniform(0.1, max_frac) * static_cast<double>(w));
      const auto top = rng.randint(0, h - bh), left = rng.randint(0, w - bw);
      auto out = v.tensor().clone();
      out.narrow(1, top, bh).narrow(2, left, bw).zero_();
      return v.with(out);
    });
  }
};

// fastai: get_y=lambda p: group_of[label(p)]. Ten garment classes folded into four groups.
std::string garment_group(const fs::path& file) {
  static const strata::RegexLabeller label(R"(^(.*)_\d+\.png$)");
  const std::string name = label(file.string());
  if (name == "Sandal" || name == "Sneaker" || name == "Ankle_boot") return "footwear";
  if (name == "Trouser") return "bottoms";
  if (name == "Bag") return "bags";
  return "tops";  // T-shirt_top, Pullover, Dress, Coat, Shirt
}

int main(int argc, char** argv) {
  CLI::App app{"A custom Transform and DataBlock with strata"};
  std::string out = "out/custom_transform";
  int per_class = 100, epochs = 3;
  app.add_option("--per-class", per_class, "images per class")->capture_default_str();
  app.add_option("--epochs", epochs, "fit_one_cycle epochs")->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return example::run([&] {
    strata::seed_everything(42);
    strata::FashionMnistOptions o;
    o.per_class = per_class;
    strata::materialize_fashion_mnist(fs::path(out) / "data", o);

    // fastai: DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_image_files, get_y=...,
    //                   splitter=RandomSplitter(0.2, seed=42), item_tfms=[RandomErase()])
    strata::DataBlock dblock({strata::ImageBlock(), strata::CategoryBlock()},
                             strata::DataBlockOptions()
                                 .get_y([](const fs::path& p) { return garment_group(p); })
                                 .splitter(strata::RandomSplitter(0.2, 42))
                                 .item_tfms({std::make_shared<RandomErase>()}));
    std::cout << dblock.summary(fs::path(out) / "data" / "images") << "\n";
    auto dls = dblock.dataloaders(fs::path(out) / "data" / "images", strata::DataLoadersOptions().bs(64));
    strata::show_batch(dls.train(), fs::path(out) / "show_batch.png", dls.vocab());  // erased boxes visible

    auto learn = strata::vision_learner(dls, "resnet18",
                                        strata::VisionLearnerOptions()
                                            .model(strata::VisionModelOptions().pretrained(false))
                                            .learner(strata::LearnerOptions().metrics({strata::accuracy})));
    learn->fit_one_cycle(epochs, 3e-3);
    std::cout << "vocab:";
    for (const auto& v : dls.vocab()) std::cout << " " << v;
    std::cout << "\naccuracy " << *learn->recorder().final_record().at(2) << "\n";
  });
}
