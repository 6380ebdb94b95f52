// Data-parallel scaling on this machine: one epoch of the same global work (a small CNN, and a
// resnet18 whose 45 MB of gradients take two buckets; global batch 64, 32 px) in 1 process and
// in 2 processes on c10d Gloo over loopback, plus the time each step waits for its gradient
// all-reduce. The binary launches its own ranks (RANK/WORLD_SIZE/...).
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

strata::Sequential make_model(const std::string& arch) {
  torch::manual_seed(0);
  if (arch == "resnet18") return strata::create_vision_model("resnet18", 10, strata::VisionModelOptions().pretrained(false));
  strata::Sequential body(strata::ConvLayer(strata::ConvLayerOptions(3, 32).stride(2)),
                          strata::ConvLayer(strata::ConvLayerOptions(32, 64).stride(2)),
                          strata::ConvLayer(strata::ConvLayerOptions(64, 128).stride(2)));
  return strata::Sequential(body, strata::create_head(128, 10));
}

// One rank: a warm-up epoch, then a timed one; rank 0 prints "seconds wait_per_step bytes buckets".
int worker(const std::string& arch) {
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
  strata::Learner learn(dls, make_model(arch), strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()));
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
  learn.fit(1, 1e-3, strata::FitOptions().cbs({probe}));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (env.rank == 0) std::cout << "RESULT " << seconds << " " << wait / kBatches << " " << bytes << " " << buckets << "\n";
  return 0;
}

std::vector<double> launch(const std::string& self, const std::string& arch, int world) {
  std::ostringstream cmd;
  const int port = 29600 + static_cast<int>(std::random_device()() % 2000);
  // Each process gets its share of the cores, so 1 and 2 processes use the same hardware.
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency() / static_cast<unsigned>(world));
  for (int r = 0; r < world; ++r)
    cmd << "OMP_NUM_THREADS=" << threads << " RANK=" << r << " WORLD_SIZE=" << world << " LOCAL_RANK=" << r
        << " MASTER_ADDR=127.0.0.1 MASTER_PORT=" << port << " " << self << " " << arch << " & ";
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

int main(int argc, char** argv) {
  if (std::getenv("RANK")) return worker(argc > 1 ? argv[1] : "small_cnn");
  const std::string self = std::filesystem::canonical("/proc/self/exe").string();
  const double images = kGlobalBatch * kBatches;
  std::cout << "distributed scaling: one epoch of " << images << " images (global batch " << kGlobalBatch
            << ", 32 px), Gloo over loopback, " << std::thread::hardware_concurrency()
            << " cores shared by both runs (ideal with twice the cores: x2)\n";
  for (const std::string arch : {"small_cnn", "resnet18"}) {
    const auto one = launch(self, arch, 1);
    const auto two = launch(self, arch, 2);
    std::cout << "  " << arch << ": 1 process " << images / one[0] << " images/s, 2 processes " << images / two[0]
              << " images/s: x" << one[0] / two[0] << "; all-reduce wait " << two[1] * 1000 << " ms/step for "
              << two[2] / 1e6 << " MB in " << two[3] << " bucket(s)\n";
  }
  return 0;
}
