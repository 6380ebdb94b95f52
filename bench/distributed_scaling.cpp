// Data-parallel scaling on this machine: one epoch of the same global work (a small CNN, global
// batch 64) in 1 process and in 2 processes on c10d Gloo over loopback, plus the time each step
// waits for its gradient all-reduce. The binary launches its own ranks (RANK/WORLD_SIZE/...).
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>

#include <torch/torch.h>

#include <strata/strata.h>

#include "bench_util.h"

namespace {

constexpr int kGlobalBatch = 64;
constexpr int kBatches = 24;

strata::Sequential small_cnn() {
  torch::manual_seed(0);
  strata::Sequential body(strata::ConvLayer(strata::ConvLayerOptions(3, 32).stride(2)),
                          strata::ConvLayer(strata::ConvLayerOptions(32, 64).stride(2)),
                          strata::ConvLayer(strata::ConvLayerOptions(64, 128).stride(2)));
  return strata::Sequential(body, strata::create_head(128, 10));
}

// One rank: a warm-up epoch, then a timed one; rank 0 prints "seconds wait_per_step bytes buckets".
int worker() {
  const auto env = strata::DistributedEnv::from_environment();
  std::vector<strata::Item> items;
  torch::manual_seed(1);
  for (int i = 0; i < kGlobalBatch * kBatches + 64; ++i)
    items.push_back({strata::Value(strata::Kind::TensorImage, torch::randn({3, 32, 32})), strata::Value::category(i % 10)});
  strata::Splits splits;
  for (int i = 0; i < static_cast<int>(items.size()); ++i) (i < kGlobalBatch * kBatches ? splits.train : splits.valid).push_back(i);
  strata::TfmdLists tls(items, strata::Pipeline(), splits);
  auto dls = strata::dataloaders(
      tls, strata::DataLoadersOptions().bs(kGlobalBatch / env.world_size).num_workers(0).seed(0));
  strata::Learner learn(dls, small_cnn(), strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()));
  learn.logging = false;
  std::shared_ptr<strata::DistributedTrainer> trainer;
  if (env.world_size > 1) trainer = strata::to_distributed(learn);
  learn.fit(1, 1e-3);
  double wait = 0;
  std::size_t bytes = 0, buckets = 0;
  const auto start = std::chrono::steady_clock::now();
  // The reducer lives for one fit: read its numbers from a callback at the end of training.
  struct Probe : strata::Callback {
    std::shared_ptr<strata::DistributedTrainer> t;
    double* wait;
    std::size_t *bytes, *buckets;
    std::string name() const override { return "probe"; }
    int order() const override { return 100; }
    void after_train(strata::Learner&) override {
      if (!t || !t->reducer()) return;
      *wait = t->reducer()->wait_seconds();
      *bytes = t->reducer()->bytes_per_step();
      *buckets = t->reducer()->n_buckets();
    }
  };
  auto probe = std::make_shared<Probe>();
  probe->t = trainer;
  probe->wait = &wait;
  probe->bytes = &bytes;
  probe->buckets = &buckets;
  learn.fit(1, 1e-3, {probe});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (env.rank == 0) std::cout << "RESULT " << seconds << " " << wait / kBatches << " " << bytes << " " << buckets << "\n";
  return 0;
}

std::vector<double> launch(const std::string& self, int world) {
  std::ostringstream cmd;
  const int port = 29600 + static_cast<int>(std::random_device()() % 2000);
  // Each process gets its share of the cores, so 1 and 2 processes use the same hardware.
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency() / static_cast<unsigned>(world));
  for (int r = 0; r < world; ++r)
    cmd << "OMP_NUM_THREADS=" << threads << " RANK=" << r << " WORLD_SIZE=" << world << " LOCAL_RANK=" << r
        << " MASTER_ADDR=127.0.0.1 MASTER_PORT=" << port << " " << self << " & ";
  cmd << "wait";
  std::istringstream out(strata_bench::shell(cmd.str()));
  for (std::string word; out >> word;)
    if (word == "RESULT") {
      std::vector<double> v(4);
      for (auto& x : v) out >> x;
      return v;
    }
  throw std::runtime_error("no RESULT line from rank 0");
}

}  // namespace

int main() {
  if (std::getenv("RANK")) return worker();
  const std::string self = std::filesystem::canonical("/proc/self/exe").string();
  const auto one = launch(self, 1);
  const auto two = launch(self, 2);
  const double images = kGlobalBatch * kBatches;
  std::cout << "distributed scaling: one epoch of " << images << " images (global batch " << kGlobalBatch
            << "), small CNN, Gloo over loopback, " << std::thread::hardware_concurrency() << " cores\n";
  std::cout << "  1 process : " << one[0] << " s, " << images / one[0] << " images/s\n";
  std::cout << "  2 processes: " << two[0] << " s, " << images / two[0] << " images/s, scaling x"
            << one[0] / two[0] << " (ideal x2 with 2x the cores; here both share the same cores)\n";
  std::cout << "  all-reduce wait per step: " << two[1] * 1000 << " ms for " << two[2] / 1e6 << " MB in "
            << two[3] << " bucket(s)\n";
  return 0;
}
