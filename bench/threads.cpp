// Loader threads vs LibTorch's intra-op threads on a small machine: one epoch of a small CNN on
// real image files (decode + Resize in the loader, forward/backward in the main thread) for
// several (num_workers, torch threads) pairs; ratios against strata's defaults, same run.
#include <iostream>
#include <thread>

#include <torch/torch.h>

#include <strata/strata.h>

#include "bench_util.h"

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 3;
  const auto dir = std::filesystem::temp_directory_path() / "strata-bench-threads";
  strata::FashionMnistOptions o;
  o.per_class = 200;
  const auto files = strata::materialize_fashion_mnist(dir, o);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto epoch = [&](int workers, int threads) {
    torch::set_num_threads(threads);
    auto dls = strata::ImageDataLoaders::from_name_re(
        files, R"(^(.*)_\d+\.png$)",
        strata::ImageDataLoadersOptions()
            .item_tfms({std::make_shared<strata::Resize>(64)})
            .loaders(strata::DataLoadersOptions().bs(64).num_workers(workers).seed(0)));
    torch::manual_seed(0);
    strata::Sequential body(strata::ConvLayer(strata::ConvLayerOptions(3, 32).stride(2)),
                            strata::ConvLayer(strata::ConvLayerOptions(32, 64).stride(2)),
                            strata::ConvLayer(strata::ConvLayerOptions(64, 128).stride(2)));
    strata::Learner learn(dls, strata::Sequential(body, strata::create_head(128, 10)),
                          strata::LearnerOptions().metrics({strata::accuracy}));
    learn.logging = false;
    return strata_bench::median_seconds(runs, [&] { learn.fit(1, 1e-3); });
  };
  struct Setting {
    int workers, threads;
    const char* what;
  };
  const std::vector<Setting> settings{{cores, cores, "strata's defaults: a worker per core, LibTorch's threads"},
                                      {0, cores, "no workers (decode in the training thread)"},
                                      {1, cores, "1 worker"},
                                      {cores, 1, "a worker per core, 1 intra-op thread"},
                                      {std::max(1, cores / 2), std::max(1, cores - cores / 2), "half and half"}};
  std::vector<double> times;
  for (const auto& s : settings) times.push_back(epoch(s.workers, s.threads));
  std::cout << "threads: one epoch, small CNN, " << files.size() << " Fashion-MNIST PNGs resized to 64 px, bs 64, "
            << cores << " cores, median of " << runs << "\n";
  for (std::size_t i = 0; i < settings.size(); ++i)
    std::cout << "  workers " << settings[i].workers << ", intra-op " << settings[i].threads << ": " << times[i]
              << " s (x" << times[0] / times[i] << " vs defaults)  " << settings[i].what << "\n";
  return 0;
}
