#include "embedded_data.h"

#include <iostream>

#include <strata/strata.h>

namespace fs = std::filesystem;

namespace {
// Tops (T-shirt, pullover, dress, coat, shirt) for pretraining; trousers, sandals, sneakers,
// bags and ankle boots for the Siamese task.
const std::vector<int> kPretrainClasses{0, 2, 3, 4, 6};
const std::vector<int> kSiameseClasses{1, 5, 7, 8, 9};
}  // namespace

fs::path siamese_default_data(const fs::path& root, int per_class) {
  strata::FashionMnistOptions o;
  o.classes = kSiameseClasses;
  o.per_class = per_class;
  strata::materialize_fashion_mnist(root / "siamese", o);
  return root / "siamese";
}

fs::path pretrained_body(const fs::path& root, const PretrainOptions& p) {
  const fs::path file = root / "pretrained" / (p.arch + "-fashion-tops.pth");
  if (fs::exists(file)) {
    std::cout << "pretrained body: reusing " << file.string() << "\n";
    return file;
  }
  std::cout << "pretraining a " << p.arch << " on Fashion-MNIST classes the Siamese task does not use ("
            << p.per_class << " images per class, " << p.epochs << " epochs)\n";
  strata::FashionMnistOptions o;
  o.classes = kPretrainClasses;
  o.per_class = p.per_class;
  const auto files = strata::materialize_fashion_mnist(root / "pretrain", o);

  strata::RegexLabeller label(R"(^(.*)_\d+\.png$)");
  auto load = std::make_shared<strata::ItemTransform>(
      "Load", [](strata::Item it, strata::TransformContext&) { return strata::Item{strata::read_image(it.at(0).str())}; });
  auto name = std::make_shared<strata::ItemTransform>("Label", [label](strata::Item it, strata::TransformContext&) {
    return strata::Item{strata::Value::text(label(it.at(0).str()))};
  });
  strata::Datasets dsets(files, {strata::Pipeline({load}), strata::Pipeline({name, std::make_shared<strata::Categorize>()})},
                         strata::RandomSplitter(0.1, p.seed)(files));
  auto dls = strata::dataloaders(
      dsets, strata::DataLoadersOptions()
                 .bs(p.bs)
                 .num_workers(p.workers)
                 .seed(p.seed)
                 .after_item(strata::Pipeline({std::make_shared<strata::Resize>(p.size), std::make_shared<strata::ToTensor>()}))
                 .after_batch(strata::Pipeline({std::make_shared<strata::IntToFloatTensor>(),
                                                strata::Normalize::from_stats(strata::imagenet_stats)})));
  // A torchvision ResNet with a 5-class fc, so the saved file has torchvision's names.
  strata::ArchModel arch = strata::model_meta(p.arch).make();
  auto resnet = std::dynamic_pointer_cast<strata::ResNetImpl>(arch.module);
  strata::ResNet model(strata::ResNetOptions(resnet->options()).num_classes(5));
  strata::Learner learn(dls, model, strata::LearnerOptions().metrics({strata::accuracy}));
  learn.fit_one_cycle(p.epochs, 3e-3);
  strata::save_pth(strata::state_dict(*model), file);
  std::cout << "saved " << file.string() << "\n";
  return file;
}
