// Pet breeds from file names: fastai's first lesson in C++.
//
//   dls   = ImageDataLoaders.from_name_re(path, files, r'^(.*)_\d+.jpg$', valid_pct=0.2, seed=42,
//                                         item_tfms=Resize(224), batch_tfms=aug_transforms())
//   learn = vision_learner(dls, resnet34, metrics=error_rate)
//   learn.fine_tune(2)
//
// With --data DIR it reads Oxford-IIIT Pets (DIR/images/*.jpg). With no arguments it runs on real
// Fashion-MNIST images (Debian's dataset-fashion-mnist) laid out like Pets, with a ResNet body
// pretrained here on the five classes it is not asked to tell apart (no download is possible).
#include <iostream>

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <strata/strata.h>

#include "embedded_data.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  CLI::App app{"Pet breeds with strata's vision_learner and fine_tune"};
  std::string data, arch = "resnet34", weights, out = "out/pets_classifier";
  std::string device = torch::cuda::is_available() ? "cuda" : "cpu";
  int size = 224, bs = 64, epochs = 2, per_class = 100, pretrain_per_class = 1000, workers = -1;
  bool pretrained = false;
  double lr = 2e-3;
  app.add_option("--data", data, "an Oxford-IIIT Pets folder (DIR/images/*.jpg); default: embedded Fashion-MNIST");
  app.add_option("--arch", arch, "resnet18, resnet34, resnet50, ...")->capture_default_str();
  app.add_option("--weights", weights, "torchvision weights for the body (.pth or .safetensors)");
  app.add_flag("--pretrained", pretrained, "torchvision's ImageNet weights (PyTorch cache, downloaded if missing)");
  app.add_option("--size", size, "training image size")->capture_default_str();
  app.add_option("--bs", bs, "batch size")->capture_default_str();
  app.add_option("--epochs", epochs, "fine_tune epochs after the frozen one")->capture_default_str();
  app.add_option("--lr", lr, "fine_tune base_lr")->capture_default_str();
  app.add_option("--per-class", per_class, "embedded default: images per class")->capture_default_str();
  app.add_option("--pretrain-per-class", pretrain_per_class, "embedded default: pretraining images per class")
      ->capture_default_str();
  app.add_option("--workers", workers, "loader threads (-1: one per core)")->capture_default_str();
  app.add_option("--device", device, "cpu or cuda")->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    strata::seed_everything(42);
    fs::path images;
    std::string pattern;
    if (!data.empty()) {
      images = fs::path(data) / "images";
      pattern = R"(^(.*)_\d+\.jpg$)";
      if (weights.empty() && pretrained) weights = strata::pretrained_weights_file(arch);
    } else {
      if (app.count("--arch") == 0) arch = "resnet18";
      if (app.count("--size") == 0) size = 32;
      const fs::path root = fs::path(out) / "data";
      PretrainOptions p;
      p.arch = arch;
      p.size = size;
      p.per_class = pretrain_per_class;
      p.workers = workers;
      if (weights.empty()) weights = pretrained_body(root, p).string();
      images = siamese_default_data(root, per_class) / "images";
      pattern = R"(^(.*)_\d+\.png$)";
    }
    auto dls = strata::ImageDataLoaders::from_name_re(
        strata::get_image_files(images), pattern,
        strata::ImageDataLoadersOptions()
            .item_tfms({std::make_shared<strata::Resize>(size)})
            .batch_tfms(strata::aug_transforms())
            .loaders(strata::DataLoadersOptions().bs(bs).num_workers(workers).device(torch::Device(device))));
    std::cout << dls.c() << " classes, " << dls.train().n_items() << " training and " << dls.valid().n_items()
              << " validation images\n";
    strata::show_batch(dls.train(), fs::path(out) / "show_batch.png", dls.vocab());
    auto learn = strata::vision_learner(
        dls, arch,
        strata::VisionLearnerOptions()
            .model(strata::VisionModelOptions().pretrained(!weights.empty()).weights(weights))
            .learner(strata::LearnerOptions().metrics({strata::error_rate}).path(out)));
    learn->fine_tune(epochs, lr);
    auto interp = strata::ClassificationInterpretation::from_learner(*learn);
    std::cout << "most confused (actual, predicted, count):\n";
    for (const auto& [actual, predicted, count] : interp.most_confused(2))
      std::cout << "  " << actual << " -> " << predicted << ": " << count << "\n";
    learn->export_learner(fs::path(out) / "pets.strata");
    std::cout << "error_rate " << *learn->recorder().final_record().at(2) << "; exported "
              << (fs::path(out) / "pets.strata").string() << "\n";
  } catch (const strata::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
