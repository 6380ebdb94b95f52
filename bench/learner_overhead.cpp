// The Learner's per-batch overhead (callbacks, Recorder, scheduler, metrics) over a hand-written
// LibTorch loop doing the same forward/backward/Adam step on the same model and batches, measured
// two ways: whole epochs of a small CNN (the overhead hides in the noise of a shared machine), and
// the absolute cost per batch with a model so small that the loop's own work is all there is,
// divided by the CNN's time per batch. Best of N (the least disturbed run) throughout; one
// intra-op thread, so both sides do exactly the same work on one core.
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

// Best time of `runs` interleaved calls of each function.
std::pair<double, double> best_of_interleaved(int runs, const std::function<void()>& a, const std::function<void()>& b) {
  double best_a = 1e30, best_b = 1e30;
  a();
  b();
  for (int i = 0; i < runs; ++i) {
    best_a = std::min(best_a, strata_bench::median_seconds(1, a, false));
    best_b = std::min(best_b, strata_bench::median_seconds(1, b, false));
  }
  return {best_a, best_b};
}

// Best seconds per epoch (training, then the loss of every validation batch) of a hand-written
// loop and of Learner.fit_one_cycle with accuracy, each on its own model from `model_fn`.
template <typename MakeModel>
std::pair<double, double> epoch_seconds(strata::DataLoaders dls, MakeModel model_fn, int runs) {
  const auto loss = strata::CrossEntropyLossFlat();
  auto model = model_fn();
  strata::Adam opt({model->parameters()}, 1e-3);
  auto hand_epoch = [&] {
    model->train();
    for (auto& b : dls.train()) {
      auto l = loss(model->forward(b[0].tensor()), b[1].tensor());
      l.backward();
      opt.step();
      opt.zero_grad();
    }
    model->eval();  // the same validation as the Learner's: the loss of every batch
    torch::NoGradGuard no_grad;
    at::Tensor total = at::zeros({});
    for (auto& b : dls.valid()) total += loss(model->forward(b[0].tensor()), b[1].tensor());
    (void)total.item<double>();
  };
  auto learn = std::make_shared<strata::Learner>(dls, model_fn(),
                                                 strata::LearnerOptions().loss_func(loss).metrics({strata::accuracy}));
  learn->logging = false;
  auto learner_epoch = [&] { learn->fit_one_cycle(1, 1e-3); };
  return best_of_interleaved(runs, hand_epoch, learner_epoch);
}

strata::DataLoaders tensor_dls(std::int64_t n_train, std::int64_t n_valid, std::vector<std::int64_t> shape) {
  std::vector<strata::Item> items;
  for (std::int64_t i = 0; i < n_train + n_valid; ++i)
    items.push_back({strata::Value(strata::Kind::TensorImage, torch::randn(shape)), strata::Value::category(i % 10)});
  strata::Splits splits;
  for (std::int64_t i = 0; i < n_train + n_valid; ++i) (i < n_train ? splits.train : splits.valid).push_back(i);
  // Batches built in the calling thread, so loader threads do not compete for the one core.
  return strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), splits),
                             strata::DataLoadersOptions().bs(64).num_workers(0).seed(0));
}

// The tiny model's epoch as a plain Python loop; `data` defines `train` and `valid`, iterables of
// (x, y) batches. Prints the best of `runs` epochs in seconds.
std::string tiny_python_script(const std::string& data, int runs) {
  return "import time, torch, torch.nn as nn\n"
         "from torch.utils.data import DataLoader, TensorDataset\n"
         "torch.manual_seed(0); torch.set_num_threads(1)\n"
         "model = nn.Linear(8, 10)\n"
         "opt = torch.optim.AdamW(model.parameters(), 1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)\n"
         "lf = nn.CrossEntropyLoss()\n" +
         data +
         "def epoch():\n"
         "    model.train()\n"
         "    for x, y in train:\n"
         "        loss = lf(model(x), y); loss.backward(); opt.step(); opt.zero_grad()\n"
         "    model.eval()\n"
         "    with torch.no_grad(): sum(lf(model(x), y).item() for x, y in valid)\n" +
         strata_bench::python_timing("epoch()", runs, "", /*best=*/true);
}

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 5;
  at::set_num_threads(1);
  torch::manual_seed(0);
  const auto dls = tensor_dls(64 * 32, 64 * 8, {3, 28, 28});
  // The same model, batches and loop in Python (Debian's python3-torch), also single-process.
  const std::string script =
      "import time, torch, torch.nn as nn\n"
      "torch.manual_seed(0); torch.set_num_threads(1)\n"
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
      + strata_bench::python_timing("epoch()", runs, "", /*best=*/true);
  // strata's Learner tunes glibc's malloc (strata::tune_cpu_allocator); Python gets the same
  // settings through the environment in a second measurement, to show what they are worth.
  const std::string same_malloc =
      "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728";
  auto python_epoch = [&](const std::string& env) {
    return std::stod(strata_bench::run_python(script, "strata-bench-train.py", env));
  };
  // Python runs before and after the strata epochs, strata and the hand loop are interleaved:
  // warm-up and machine drift hit every side alike.
  const double python_before = python_epoch("");
  const double python_tuned_before = python_epoch(same_malloc);
  const auto [hand, ours] = epoch_seconds(dls, small_cnn, runs);
  const double python = std::min(python_before, python_epoch(""));
  const double python_tuned = std::min(python_tuned_before, python_epoch(same_malloc));
  std::cout << "learner overhead: small CNN, 32 training + 8 validation batches of 64 (28x28), 1 thread, best of "
            << runs << " epochs\n";
  std::cout << "  hand-written loop (Adam step, validation loss): " << hand * 1e3 << " ms/epoch\n";
  std::cout << "  strata Learner.fit_one_cycle (callbacks, Recorder, schedule, accuracy): " << ours * 1e3
            << " ms/epoch\n";
  std::cout << "  overhead: " << (ours / hand - 1) * 100 << " % (target < 3 %)\n";
  std::cout << "  python3-torch plain loop (same model and batches): " << python * 1e3 << " ms/epoch\n";
  std::cout << "  ratio strata Learner / python loop: " << ours / python << " (target < 1)\n";
  std::cout << "  python3-torch with strata's malloc settings (" << same_malloc << "): " << python_tuned * 1e3
            << " ms/epoch; strata Learner / python: " << ours / python_tuned << "\n";

  // The absolute cost: a linear model on 8 numbers, 200 batches, the loop is all there is.
  const auto tiny = tensor_dls(64 * 200, 64, {8});
  const auto [tiny_hand_epoch, tiny_ours_epoch] =
      epoch_seconds(tiny, [] { return strata::Sequential(torch::nn::Linear(8, 10)); }, 3 * runs);
  const double tiny_hand = tiny_hand_epoch / 200, tiny_ours = tiny_ours_epoch / 200;
  const double cnn_hand = hand / 32, cnn_ours = ours / 32;
  const double added = tiny_ours - tiny_hand;
  // The same tiny run as a plain Python loop, with torch's DataLoader drawing shuffled batches of
  // 64 in-process (as strata's loader does here), and over batches made in advance (no loader).
  const double tiny_python_loader =
      std::stod(strata_bench::run_python(
          tiny_python_script("train = DataLoader(TensorDataset(torch.randn(12800, 8), torch.randint(0, 10, (12800,))),"
                             " batch_size=64, shuffle=True, drop_last=True)\n"
                             "valid = DataLoader(TensorDataset(torch.randn(64, 8), torch.randint(0, 10, (64,))), "
                             "batch_size=64)\n",
                             3 * runs),
          "strata-bench-tiny-dl.py")) /
      200;
  const double tiny_python =
      std::stod(strata_bench::run_python(
          tiny_python_script("xs = [torch.randn(64, 8) for _ in range(201)]; ys = [torch.randint(0, 10, (64,)) for _ in range(201)]\n"
                             "train = list(zip(xs[:200], ys[:200])); valid = list(zip(xs[200:], ys[200:]))\n",
                             3 * runs),
          "strata-bench-tiny.py")) /
      200;
  std::cout << "per batch (validation included), best of " << 3 * runs << " tiny-model epochs:\n";
  std::cout << "  tiny model: hand loop " << tiny_hand * 1e6 << " us, Learner " << tiny_ours * 1e6
            << " us: the Learner adds " << added * 1e6 << " us per batch\n";
  std::cout << "  small CNN: hand loop " << cnn_hand * 1e3 << " ms, Learner " << cnn_ours * 1e3 << " ms per batch\n";
  std::cout << "  overhead = added / small-CNN batch: " << added / cnn_hand * 100 << " % (target < 3 %)\n";
  std::cout << "  tiny model, python3-torch plain loop with torch's DataLoader: " << tiny_python_loader * 1e6
            << " us per batch; strata Learner / python: " << tiny_ours / tiny_python_loader << "\n";
  std::cout << "  tiny model, python3-torch plain loop over pre-made batches (no loader): " << tiny_python * 1e6
            << " us per batch; strata Learner / python: " << tiny_ours / tiny_python << "\n";
  return 0;
}
