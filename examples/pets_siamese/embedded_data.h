#pragma once
// The embedded default of the example: no Pets and no ImageNet weights can be downloaded, so
// transfer is shown on Fashion-MNIST (Debian's dataset-fashion-mnist) instead. A ResNet is first
// trained on five classes with plenty of labels and saved as a torchvision-format .pth; the
// Siamese task then runs on the five other classes with few labels, once with that body and once
// from random initialisation.

#include <filesystem>
#include <string>

struct PretrainOptions {
  std::string arch = "resnet18";
  int size = 32;
  int per_class = 1000;
  int epochs = 2;
  int bs = 64;
  int workers = -1;
  std::uint64_t seed = 42;
};

/// Writes the Siamese task's images (classes not used for pretraining) under `root`/siamese and
/// returns that folder (it has an images/ sub-folder, like Oxford Pets).
std::filesystem::path siamese_default_data(const std::filesystem::path& root, int per_class);

/// Trains `arch` on the other five classes and saves its weights (torchvision names) to
/// `root`/pretrained/<arch>-fashion5.pth; reuses the file when it exists. Returns its path.
std::filesystem::path pretrained_body(const std::filesystem::path& root, const PretrainOptions& options);
