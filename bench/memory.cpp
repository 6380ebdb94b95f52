// Peak memory (RSS) of training with the Learner vs a hand-written LibTorch loop on the same
// model and batches; each runs in its own process (peak RSS is per process), launched here.
#include <sys/resource.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include <torch/torch.h>

#include <strata/strata.h>

#include "bench_util.h"

namespace {

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

int run(const std::string& mode) {
  torch::manual_seed(0);
  std::vector<strata::Item> items;
  for (int i = 0; i < 32 * 20; ++i)
    items.push_back({strata::Value(strata::Kind::TensorImage, torch::randn({3, 64, 64})), strata::Value::category(i % 10)});
  strata::Splits splits;
  for (int i = 0; i < static_cast<int>(items.size()); ++i) (i < 32 * 16 ? splits.train : splits.valid).push_back(i);
  auto dls = strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), splits),
                                 strata::DataLoadersOptions().bs(32).num_workers(2).seed(0));
  auto model = strata::create_vision_model("resnet18", 10, strata::VisionModelOptions().pretrained(false));
  const long before = peak_rss_kib();
  if (mode == "bare") {
    strata::Adam opt({model->parameters()}, 1e-3);
    const auto loss = strata::CrossEntropyLossFlat();
    for (int epoch = 0; epoch < 2; ++epoch) {
      model->train();
      for (auto& b : dls.train()) {
        loss(model->forward(b[0].tensor()), b[1].tensor()).backward();
        opt.step();
        opt.zero_grad();
      }
      model->eval();
      torch::NoGradGuard no_grad;
      for (auto& b : dls.valid()) (void)loss(model->forward(b[0].tensor()), b[1].tensor()).item<double>();
    }
  } else {
    strata::Learner learn(dls, model,
                          strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).metrics({strata::accuracy}));
    learn.logging = false;
    learn.fit_one_cycle(2, 1e-3);
  }
  std::cout << "RESULT " << before << " " << peak_rss_kib() << "\n";
  return 0;
}

std::pair<double, double> measure(const std::string& self, const std::string& mode) {
  std::istringstream out(strata_bench::shell(self + " " + mode));
  for (std::string word; out >> word;)
    if (word == "RESULT") {
      double before = 0, peak = 0;
      out >> before >> peak;
      return {before / 1024, peak / 1024};
    }
  throw std::runtime_error("no RESULT from " + mode);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) return run(argv[1]);
  const std::string self = std::filesystem::canonical("/proc/self/exe").string();
  const auto bare = measure(self, "bare");
  const auto learner = measure(self, "learner");
  std::cout << "peak memory: resnet18, 2 epochs of 16 x 32 images (64 px), 2 loader threads\n";
  std::cout << "  hand-written loop: " << bare.second << " MiB peak (" << bare.first << " MiB before training)\n";
  std::cout << "  strata Learner.fit_one_cycle: " << learner.second << " MiB peak (" << learner.first
            << " MiB before training)\n";
  std::cout << "  Learner - loop: " << learner.second - bare.second << " MiB ("
            << (learner.second / bare.second - 1) * 100 << " %; target < 10 % or a small constant)\n";
  return 0;
}
