// The Learner's per-batch overhead (callbacks, Recorder, scheduler, metrics) over a hand-written
// LibTorch loop doing the same forward/backward/Adam step on the same model and batches.
#include <chrono>
#include <iostream>

#include <torch/torch.h>

#include <strata/strata.h>

#include "bench_util.h"

namespace {

strata::Sequential small_cnn() {
  strata::Sequential body(strata::ConvLayer(strata::ConvLayerOptions(3, 32).stride(2)),
                          strata::ConvLayer(strata::ConvLayerOptions(32, 64).stride(2)),
                          strata::ConvLayer(strata::ConvLayerOptions(64, 128).stride(2)));
  return strata::Sequential(body, strata::create_head(128, 10));
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 5;
  torch::manual_seed(0);
  std::vector<strata::Item> items;
  for (int i = 0; i < 64 * 40; ++i)
    items.push_back({strata::Value(strata::Kind::TensorImage, torch::randn({3, 28, 28})), strata::Value::category(i % 10)});
  strata::Splits splits;
  for (int i = 0; i < static_cast<int>(items.size()); ++i) (i < 64 * 32 ? splits.train : splits.valid).push_back(i);
  strata::TfmdLists tls(items, strata::Pipeline(), splits);
  auto dls = strata::dataloaders(tls, strata::DataLoadersOptions().bs(64).num_workers(0).seed(0));
  const auto loss = strata::CrossEntropyLossFlat();

  auto model = small_cnn();
  strata::Adam opt({model->parameters()}, 1e-3);
  const double hand = strata_bench::median_seconds(runs, [&] {
    model->train();
    for (auto& b : dls.train()) {
      auto out = model->forward(b[0].tensor());
      auto l = loss(out, b[1].tensor());
      l.backward();
      opt.step();
      opt.zero_grad();
    }
    model->eval();
    torch::NoGradGuard no_grad;
    double total = 0;
    for (auto& b : dls.valid()) total += loss(model->forward(b[0].tensor()), b[1].tensor()).item<double>();
    (void)total;
  });

  auto model2 = small_cnn();
  strata::Learner learn(dls, model2, strata::LearnerOptions().loss_func(loss).metrics({strata::accuracy}));
  learn.logging = false;
  const double ours = strata_bench::median_seconds(runs, [&] { learn.fit_one_cycle(1, 1e-3); });

  std::cout << "learner overhead: small CNN, 32 training + 8 validation batches of 64 (28x28), median of " << runs
            << " epochs\n";
  std::cout << "  hand-written loop (Adam step, validation loss): " << hand * 1e3 << " ms/epoch\n";
  std::cout << "  strata Learner.fit_one_cycle (callbacks, Recorder, schedule, accuracy): " << ours * 1e3
            << " ms/epoch\n";
  std::cout << "  overhead: " << (ours / hand - 1) * 100 << " % (target < 3 %)\n";
  return 0;
}
