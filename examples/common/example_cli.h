#pragma once
// What the examples share, so each main.cpp reads as the story it tells: the command-line options
// of training examples (the same names, meanings and defaults shown in --help) and the handling
// of strata's errors (bad data, a missing file) as one line and exit status 1.
#include <functional>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <torch/cuda.h>

#include <strata/core/error.h>

namespace example {

struct TrainingOptions {
  std::string data, arch = "resnet34", weights, out;
  std::string device = torch::cuda::is_available() ? "cuda" : "cpu";
  int size = 224, bs = 64, epochs = 1, per_class = 100, workers = -1;
  double lr = 1e-3;
  bool pretrained = false;
};

// --data (`data_help`), --arch, --weights, --pretrained, --size, --bs, --epochs, --lr, --per-class,
// --workers, --device and --out, with `o`'s values as the defaults. An example whose schedule has
// options of its own (pets_siamese: two phases) leaves --epochs and --lr out.
inline void add_training_options(CLI::App& app, TrainingOptions& o, const std::string& data_help,
                                 bool epochs_and_lr = true) {
  app.add_option("--data", o.data, data_help);
  app.add_option("--arch", o.arch, "architecture: resnet18, resnet34, resnet50, ...")->capture_default_str();
  app.add_option("--weights", o.weights, "torchvision weights for the body (.pth or .safetensors)");
  app.add_flag("--pretrained", o.pretrained, "torchvision's ImageNet weights (PyTorch cache, downloaded if missing)");
  app.add_option("--size", o.size, "image size")->capture_default_str();
  app.add_option("--bs", o.bs, "batch size")->capture_default_str();
  if (epochs_and_lr) {
    app.add_option("--epochs", o.epochs, "epochs")->capture_default_str();
    app.add_option("--lr", o.lr, "learning rate")->capture_default_str();
  }
  app.add_option("--per-class", o.per_class, "default data: images per class")->capture_default_str();
  app.add_option("--workers", o.workers, "loader threads (-1: one per core)")->capture_default_str();
  app.add_option("--device", o.device, "cpu or cuda")->capture_default_str();
  app.add_option("--out", o.out, "output folder")->capture_default_str();
}

// Runs an example's body; a strata::Error ends it with "error: <what>" and exit status 1.
inline int run(const std::function<void()>& body) {
  try {
    body();
  } catch (const strata::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace example
