// The Learner's per-batch overhead (callbacks, Recorder, scheduler, metrics) over a hand-written
// LibTorch loop doing the same forward/backward/Adam step on the same model and batches.
#include <chrono>
#include <filesystem>
#include <fstream>
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
  auto hand_epoch = [&] {
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
  };

  auto model2 = small_cnn();
  strata::Learner learn(dls, model2, strata::LearnerOptions().loss_func(loss).metrics({strata::accuracy}));
  learn.logging = false;
  auto learner_epoch = [&] { learn.fit_one_cycle(1, 1e-3); };
  // The same model, batches and loop in Python (Debian's python3-torch), also single-process.
  const std::string script =
      "import time, torch, torch.nn as nn\n"
      "torch.manual_seed(0)\n"
      "def conv(i, o): return nn.Sequential(nn.Conv2d(i, o, 3, 2, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU())\n"
      "class ACP(nn.Module):\n"
      "    def forward(self, x): return torch.cat([nn.functional.adaptive_max_pool2d(x, 1), nn.functional.adaptive_avg_pool2d(x, 1)], 1)\n"
      "head = nn.Sequential(ACP(), nn.Flatten(), nn.BatchNorm1d(256), nn.Dropout(0.25), nn.Linear(256, 512, bias=False), nn.ReLU(),\n"
      "                     nn.BatchNorm1d(512), nn.Dropout(0.5), nn.Linear(512, 10, bias=False))\n"
      "model = nn.Sequential(nn.Sequential(conv(3, 32), conv(32, 64), conv(64, 128)), head)\n"
      "opt = torch.optim.AdamW(model.parameters(), 1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)\n"
      "xs = [torch.randn(64, 3, 28, 28) for _ in range(40)]; ys = [torch.randint(0, 10, (64,)) for _ in range(40)]\n"
      "lf = nn.CrossEntropyLoss()\n"
      "def epoch():\n"
      "    model.train()\n"
      "    for x, y in zip(xs[:32], ys[:32]):\n"
      "        loss = lf(model(x), y); loss.backward(); opt.step(); opt.zero_grad()\n"
      "    model.eval()\n"
      "    with torch.no_grad(): sum(lf(model(x), y).item() for x, y in zip(xs[32:], ys[32:]))\n"
      + strata_bench::python_timing("epoch()", runs);
  auto python_epoch = [&] { return std::stod(strata_bench::run_python(script, "strata-bench-train.py")); };
  // Python runs before and after the strata epochs (averaged), strata and the hand loop are
  // interleaved: warm-up and machine drift hit every side alike.
  const double python_before = python_epoch();
  std::vector<double> hand_times, ours_times;
  hand_epoch();
  learner_epoch();
  for (int i = 0; i < runs; ++i) {
    hand_times.push_back(strata_bench::median_seconds(1, hand_epoch, false));
    ours_times.push_back(strata_bench::median_seconds(1, learner_epoch, false));
  }
  std::sort(hand_times.begin(), hand_times.end());
  std::sort(ours_times.begin(), ours_times.end());
  const double hand = hand_times[hand_times.size() / 2], ours = ours_times[ours_times.size() / 2];
  const double python = (python_before + python_epoch()) / 2;


  std::cout << "learner overhead: small CNN, 32 training + 8 validation batches of 64 (28x28), median of " << runs
            << " epochs\n";
  std::cout << "  hand-written loop (Adam step, validation loss): " << hand * 1e3 << " ms/epoch\n";
  std::cout << "  strata Learner.fit_one_cycle (callbacks, Recorder, schedule, accuracy): " << ours * 1e3
            << " ms/epoch\n";
  std::cout << "  overhead: " << (ours / hand - 1) * 100 << " % (target < 3 %)\n";
  std::cout << "  python3-torch plain loop (same model and batches): " << python * 1e3 << " ms/epoch\n";
  std::cout << "  ratio strata Learner / python loop: " << ours / python << " (target < 1)\n";
  return 0;
}
