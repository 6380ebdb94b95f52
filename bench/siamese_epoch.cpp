// One training epoch of the Pets Siamese flow at small scale (examples/pets_siamese's transform,
// resnet18 body with random init, fastai head, Adam) vs the same work in plain PyTorch
// (bench/siamese_epoch.py with Debian's python3-torch + torchvision + PIL, same files, same
// sizes, same number of loader workers). Python runs before and after strata; medians.
#include <iostream>
#include <thread>

#include <torch/torch.h>

#include <strata/strata.h>

#include "bench_util.h"
#include "siamese_transform.h"

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 3;
  const int size = 64, bs = 32;
  const int workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto dir = std::filesystem::temp_directory_path() / "strata-bench-siamese";
  strata::FashionMnistOptions o;
  o.classes = {1, 5, 7, 8, 9};  // trouser, sandal, sneaker, bag, ankle boot: the example's classes
  o.per_class = 160;
  const auto files = strata::materialize_fashion_mnist(dir, o);

  strata::RegexLabeller label(R"(^(.*)_\d+\.png$)");
  strata::Splits splits;
  for (std::size_t i = 0; i < files.size(); ++i) splits.train.push_back(static_cast<std::int64_t>(i));
  auto tfm = std::make_shared<SiameseTransform>(files, label, splits, 0);
  strata::TfmdLists tls(files, strata::Pipeline({tfm}), splits);
  auto dls = strata::dataloaders(
      tls, strata::DataLoadersOptions()
               .bs(bs)
               .num_workers(workers)
               .seed(0)
               .after_item(strata::Pipeline({std::make_shared<strata::Resize>(size), std::make_shared<strata::ToTensor>()}))
               .after_batch(strata::Pipeline({std::make_shared<strata::IntToFloatTensor>(),
                                              strata::Normalize::from_stats(strata::imagenet_stats)})));
  torch::manual_seed(0);
  auto arch = strata::model_meta("resnet18").make();
  auto encoder = strata::create_body(arch.layers, strata::BodyOptions().cut(-2));
  strata::SiameseModel model(encoder, strata::create_head(512 * 2, 2, strata::HeadOptions().ps({0.5})));
  strata::Learner learn(dls, model, strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()));
  learn.logging = false;

  const std::string python = "/usr/bin/python3 " + std::string(STRATA_BENCH_DIR) + "/siamese_epoch.py " +
                             (dir / "images").string() + " " + std::to_string(size) + " " + std::to_string(bs) + " " +
                             std::to_string(workers) + " " + std::to_string(runs);
  const double py_before = std::stod(strata_bench::shell(python));
  const double ours = strata_bench::median_seconds(runs, [&] { learn.fit(1, 1e-3); });
  const double py_after = std::stod(strata_bench::shell(python));
  const double py = (py_before + py_after) / 2;
  std::cout << "Siamese epoch: " << files.size() << " pairs of Fashion-MNIST PNGs resized to " << size
            << " px, resnet18 body + fastai head, bs " << bs << ", " << workers << " loader workers, median of "
            << runs << "\n";
  std::cout << "  strata Learner.fit(1): " << ours << " s/epoch\n";
  std::cout << "  python3-torch + torchvision + PIL DataLoader: " << py << " s/epoch (before " << py_before
            << ", after " << py_after << ")\n";
  std::cout << "  ratio strata / python: " << ours / py << "\n";
  return 0;
}
