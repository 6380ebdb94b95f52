// The low-level layer on a real photo: read it, run fastai's item pipeline (Resize with a random
// crop on training items, a centre crop on validation), collate, run the batch pipeline
// (IntToFloatTensor, Normalize), then decode back to pixels and write a PNG grid.
#include <iostream>

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <strata/strata.h>

#include "example_cli.h"

int main(int argc, char** argv) {
  CLI::App app{"strata pipeline demo: item and batch transforms on a real photo"};
  std::string image = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg";
  std::string out = "out/pipeline_demo";
  int size = 160;
  int n_train = 4;
  std::uint64_t seed = 42;
  app.add_option("--image", image, "a JPEG/PNG/BMP/WebP file")->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  app.add_option("--size", size, "Resize target (square)")->capture_default_str();
  app.add_option("--n-train", n_train, "random training crops to draw")->capture_default_str();
  app.add_option("--seed", seed, "seed of the random crops")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  return example::run([&] {
    const strata::Value photo = strata::read_image(image);
    std::cout << "read " << image << ": " << strata::describe(photo) << "\n";

    strata::Pipeline after_item({std::make_shared<strata::Resize>(size), std::make_shared<strata::ToTensor>()});
    strata::Pipeline after_batch({std::make_shared<strata::IntToFloatTensor>(),
                                  strata::Normalize::from_stats(strata::imagenet_stats)});

    // Training crops draw from a generator derived from (seed, index): the same on every run.
    std::vector<at::Tensor> items;
    for (int i = 0; i < n_train; ++i) {
      strata::Rng rng(strata::derive_seed({seed, static_cast<std::uint64_t>(i)}));
      strata::TransformContext train{strata::Split::Train, &rng};
      items.push_back(after_item(strata::Item{photo}, train).at(0).tensor());
    }
    strata::TransformContext valid{strata::Split::Valid, nullptr};
    items.push_back(after_item(strata::Item{photo}, valid).at(0).tensor());

    strata::Item batch{strata::Value(strata::Kind::TensorImage, torch::stack(items))};
    batch = after_batch(std::move(batch), valid);
    const auto& x = batch.at(0).tensor();
    std::cout << "batch after IntToFloatTensor + Normalize: " << strata::describe(batch) << ", mean "
              << x.mean().item<float>() << ", std " << x.std().item<float>() << "\n";

    // Decode (Normalize, then IntToFloatTensor, in reverse order) back to uint8 pixels.
    const at::Tensor pixels = after_batch.decode(batch).at(0).tensor();
    const at::Tensor grid = torch::cat(pixels.unbind(0), /*dim=*/2);  // [3, size, n * size]
    const auto file = std::filesystem::path(out) / "crops.png";
    strata::write_image(file, strata::Value(strata::Kind::TensorImage, grid));
    std::cout << "wrote " << file.string() << ": " << n_train << " random training crops, then the validation "
              << "centre crop\n";
  });
}
