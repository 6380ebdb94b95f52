// One rank of a data-parallel job for the distributed tests (launched by them, or by torchrun):
//   strata_dist_worker <mode> <data-dir> <out-dir> <bs> [timeout-ms]
// mode: learner  - Learner + DistributedTrainer + SaveModelCallback on Fashion-MNIST files
//       loop     - a bare LibTorch loop with GradientReducer and tiny buckets
//       die      - `learner`, but rank 1 SIGKILLs itself at its 4th batch
//       hang     - `learner`, but rank 1 stops itself (SIGSTOP) at its 4th batch
// Writes <out>/rank<R>.params (the final parameters, raw float32) and <out>/rank<R>.txt (the
// Recorder's values). Without WORLD_SIZE it runs alone: the single-process reference.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <torch/torch.h>

#include "fashion_data.h"
#include "strata/callbacks/csv_logger.h"
#include "strata/callbacks/tracker.h"
#include "strata/callbacks/training.h"
#include "strata/data/category.h"
#include "strata/data/data_loaders.h"
#include "strata/data/labellers.h"
#include "strata/distributed/distributed_trainer.h"
#include "strata/learner/learner.h"
#include "strata/models/layers.h"
#include "strata/models/sequential.h"
#include "strata/vision/image_io.h"
#include "strata/vision/tensor_transforms.h"

namespace {

// The loader seed differs per rank on purpose: DistributedTrainer must shuffle every rank with
// rank 0's seed, or the shards overlap and the result differs from the single process (seed 7).
strata::DataLoaders fashion_files(const std::filesystem::path& dir, std::int64_t bs) {
  strata::Paths files;
  for (const auto& e : std::filesystem::directory_iterator(dir / "images")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return strata::dataloaders(
      strata_test::fashion_datasets(files),
      strata::DataLoadersOptions()
                 .bs(bs)
                 .num_workers(1)
                 .seed(7 + static_cast<std::uint64_t>(strata::rank_distrib()))
                 .after_item(strata::Pipeline({std::make_shared<strata::ToTensor>()}))
                 .after_batch(strata::Pipeline({std::make_shared<strata::IntToFloatTensor>()})));
}

// No BatchNorm and no dropout: the distributed result must equal one process on the combined batch.
strata::Sequential mlp() {
  torch::manual_seed(0);  // rank 0's initial weights are broadcast anyway; this makes runs repeatable
  return strata::Sequential(strata::Flatten(), torch::nn::Linear(3 * 28 * 28, 64), torch::nn::ReLU(),
                               torch::nn::Linear(64, 10));
}

void write_params(const std::filesystem::path& file, torch::nn::Module& model) {
  std::ofstream out(file, std::ios::binary);
  for (const auto& p : model.parameters()) {
    const auto c = p.detach().to(torch::kFloat).contiguous();
    out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.nbytes()));
  }
}

// Rank 1 dies or stops at its 4th training batch.
class Saboteur : public strata::Callback {
 public:
  explicit Saboteur(int signal) : signal_(signal) {}
  std::string name() const override { return "saboteur"; }
  bool run_valid() const override { return false; }
  void before_batch(strata::Learner& l) override {
    if (l.rank() == 1 && l.train_iter == 3) std::raise(signal_);
  }

 private:
  int signal_;
};

int run_learner(const std::string& mode, const std::filesystem::path& data, const std::filesystem::path& out,
                std::int64_t bs, std::chrono::milliseconds timeout) {
  auto dls = fashion_files(data, bs);
  auto model = mlp();
  strata::Learner learn(dls, model,
                        strata::LearnerOptions().metrics({strata::accuracy}).path(out));
  const auto env = strata::DistributedEnv::from_environment();
  if (env.world_size > 1)
    strata::to_distributed(learn, strata::ProcessGroup::init(env, strata::ProcessGroupOptions().timeout(timeout)));
  if (mode == "die") learn.add_cb(std::make_shared<Saboteur>(SIGKILL));
  if (mode == "hang") learn.add_cb(std::make_shared<Saboteur>(SIGSTOP));
  learn.fit_one_cycle(2, 3e-3, strata::OneCycleOptions().cbs({std::make_shared<strata::SaveModelCallback>("accuracy"),
                                                               std::make_shared<strata::CSVLogger>()}));
  write_params(out / fmt::format("rank{}.params", env.rank), learn.module());
  std::ofstream txt(out / fmt::format("rank{}.txt", env.rank));
  txt.precision(10);
  for (const auto& row : learn.recorder().values)
    for (const auto& v : row) txt << (v ? *v : -1.0) << "\n";
  for (double loss : learn.recorder().losses) txt << loss << "\n";
  txt << (learn.is_main_process() ? 1 : 0) << "\n";
  return 0;
}

int run_loop(const std::filesystem::path& data, const std::filesystem::path& out, std::int64_t bs,
             std::chrono::milliseconds timeout) {
  auto dls = fashion_files(data, bs);
  auto model = mlp();
  const auto env = strata::DistributedEnv::from_environment();
  std::shared_ptr<strata::ProcessGroup> pg;
  std::unique_ptr<strata::GradientReducer> reducer;
  strata::DataLoader train = dls.train();
  if (env.world_size > 1) {
    pg = strata::ProcessGroup::init(env, strata::ProcessGroupOptions().timeout(timeout));
    std::vector<at::Tensor> params = model->parameters();
    pg->broadcast(params, 0);
    // 0.05 MiB: the first Linear's weight gets a bucket of its own, the rest share another.
    reducer = std::make_unique<strata::GradientReducer>(pg, model->parameters(),
                                                        strata::GradientReducerOptions().bucket_cap_mb(0.05));
    // A hand-written loop shards by itself: every rank must shuffle with the same seed.
    train = train.with_options(strata::DataLoaderOptions(train.options()).seed(7).shard({env.rank, env.world_size}));
  }
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  for (strata::Item& batch : train) {
    opt.zero_grad();
    const auto loss = torch::nn::functional::cross_entropy(model->forward(batch.at(0).tensor()), batch.at(1).tensor());
    loss.backward();
    if (reducer) reducer->finish();
    opt.step();
  }
  write_params(out / fmt::format("rank{}.params", env.rank), *model);
  std::ofstream(out / fmt::format("rank{}.txt", env.rank)) << "buckets " << (reducer ? reducer->n_buckets() : 0)
                                                            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: strata_dist_worker learner|loop|die|hang DATA OUT BS [TIMEOUT_MS]\n";
    return 2;
  }
  const std::string mode = argv[1];
  const std::filesystem::path data = argv[2], out = argv[3];
  const std::int64_t bs = std::stoll(argv[4]);
  const std::chrono::milliseconds timeout(argc > 5 ? std::stoll(argv[5]) : 20000);
  try {
    torch::set_num_threads(1);
    return mode == "loop" ? run_loop(data, out, bs, timeout) : run_learner(mode, data, out, bs, timeout);
  } catch (const std::exception& e) {
    std::cerr << "strata_dist_worker rank " << strata::rank_distrib() << ": " << e.what() << std::endl;
    std::fflush(nullptr);
    std::_Exit(3);  // a failed collective may leave backend threads waiting; exit at once
  }
}
