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
#include "example_cli.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  CLI::App app{"Pet breeds with strata's vision_learner and fine_tune"};
  example::TrainingOptions o;
  o.out = "out/pets_classifier", o.epochs = 2, o.lr = 2e-3;  // fine_tune(2), base_lr 2e-3
  int pretrain_per_class = 1000;
  example::add_training_options(app, o, "an Oxford-IIIT Pets folder (DIR/images/*.jpg); default: embedded Fashion-MNIST");
  app.add_option("--pretrain-per-class", pretrain_per_class, "embedded default: pretraining images per class")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  return example::run([&] {
    strata::seed_everything(42);
    fs::path images;
    std::string pattern;
    if (!o.data.empty()) {
      images = fs::path(o.data) / "images";
      pattern = R"(^(.*)_\d+\.jpg$)";
      if (o.weights.empty() && o.pretrained) o.weights = strata::pretrained_weights_file(o.arch);
    } else {
      if (app.count("--arch") == 0) o.arch = "resnet18";
      if (app.count("--size") == 0) o.size = 32;
      const fs::path root = fs::path(o.out) / "data";
      PretrainOptions p;
      p.arch = o.arch;
      p.size = o.size;
      p.per_class = pretrain_per_class;
      p.workers = o.workers;
      if (o.weights.empty()) o.weights = pretrained_body(root, p).string();
      images = siamese_default_data(root, o.per_class) / "images";
      pattern = R"(^(.*)_\d+\.png$)";
    }
    auto dls = strata::ImageDataLoaders::from_name_re(
        strata::get_image_files(images), pattern,
        strata::ImageDataLoadersOptions()
            .item_tfms({std::make_shared<strata::Resize>(o.size)})
            .batch_tfms(strata::aug_transforms())
            .loaders(strata::DataLoadersOptions().bs(o.bs).num_workers(o.workers).device(torch::Device(o.device))));
    std::cout << dls.c() << " classes, " << dls.train().n_items() << " training and " << dls.valid().n_items()
              << " validation images\n";
    strata::show_batch(dls.train(), fs::path(o.out) / "show_batch.png", dls.vocab());
    auto learn = strata::vision_learner(
        dls, o.arch,
        strata::VisionLearnerOptions()
            .model(strata::VisionModelOptions().pretrained(!o.weights.empty()).weights(o.weights))
            .learner(strata::LearnerOptions().metrics({strata::error_rate}).path(o.out)));
    learn->fine_tune(o.epochs, o.lr);
    auto interp = strata::ClassificationInterpretation::from_learner(*learn);
    std::cout << "most confused (actual, predicted, count):\n";
    for (const auto& [actual, predicted, count] : interp.most_confused(2))
      std::cout << "  " << actual << " -> " << predicted << ": " << count << "\n";
    learn->export_learner(fs::path(o.out) / "pets.strata");
    std::cout << "error_rate " << *learn->recorder().final_record().at(2) << "; exported "
              << (fs::path(o.out) / "pets.strata").string() << "\n";
  });
}
