// Data-parallel fine-tuning across processes: fastai's `learn.to_distributed()` in C++.
// Launch it like any PyTorch job (each process gets RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT):
//   torchrun --nproc-per-node 2 --no-python ./distributed --data ~/pets/images
// or let it start N local processes itself:  ./distributed --launch 2
// With no --data it trains on real Fashion-MNIST images (Debian's dataset-fashion-mnist) laid out
// like Oxford Pets, labels from the file names.
#include <cstdlib>
#include <iostream>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <strata/strata.h>

#include "example_cli.h"

extern char** environ;
namespace fs = std::filesystem;

// Starts `n` copies of this program as ranks 0..n-1 of a job on this machine and waits for them.
int launch_local(int n, int argc, char** argv) {
  const std::string port = std::to_string(29500 + ::getpid() % 1000);
  std::vector<pid_t> pids;
  for (int rank = 0; rank < n; ++rank) {
    std::vector<std::string> env_strings{"RANK=" + std::to_string(rank), "LOCAL_RANK=" + std::to_string(rank),
                                         "WORLD_SIZE=" + std::to_string(n), "MASTER_ADDR=127.0.0.1",
                                         "MASTER_PORT=" + port};
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i)
      if (std::string(argv[i]) != "--launch" && (i == 0 || std::string(argv[i - 1]) != "--launch")) args.push_back(argv[i]);
    args.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, args.data(), envp.data()) != 0) {
      std::cerr << "cannot start rank " << rank << "\n";
      return 1;
    }
    pids.push_back(pid);
  }
  int failed = 0;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  return failed ? 1 : 0;
}

int main(int argc, char** argv) {
  CLI::App app{"Data-parallel fine-tuning with strata (c10d Gloo / NCCL); --bs is per process, each process of a "
               "CUDA job uses GPU LOCAL_RANK"};
  example::TrainingOptions o;
  o.arch = "resnet18", o.out = "out/distributed", o.size = 64, o.bs = 32, o.epochs = 2, o.per_class = 40, o.lr = 2e-3;
  int launch = 0;
  app.add_option("--launch", launch, "start this many local processes (otherwise: the launcher's RANK/WORLD_SIZE)");
  example::add_training_options(app, o, "folder of Pets-style images (label_123.jpg); default: Fashion-MNIST");
  CLI11_PARSE(app, argc, argv);
  if (launch > 0) return launch_local(launch, argc, argv);

  try {
    const auto env = strata::DistributedEnv::from_environment();
    const bool cuda = o.device == "cuda";
    // Joined first, so the ranks can wait for rank 0's data below. A single process: no group.
    auto pg = env.world_size > 1 ? strata::ProcessGroup::init(env, strata::ProcessGroupOptions().cuda(cuda)) : nullptr;
    strata::seed_everything(42);  // the same seed on every rank: same split, same initial head
    fs::path images = o.data;
    std::string pattern = R"(^(.*)_\d+\.jpg$)";
    if (o.data.empty()) {
      strata::FashionMnistOptions fashion;
      fashion.per_class = o.per_class;
      if (env.rank == 0) strata::materialize_fashion_mnist(fs::path(o.out) / "data", fashion);
      if (pg) pg->barrier();  // the other ranks read the files rank 0 wrote
      images = fs::path(o.out) / "data" / "images";
      pattern = R"(^(.*)_\d+\.png$)";
    }
    auto dls = strata::ImageDataLoaders::from_name_re(
        strata::get_image_files(images), pattern,
        strata::ImageDataLoadersOptions()
            .item_tfms({std::make_shared<strata::Resize>(o.size)})
            .batch_tfms(strata::aug_transforms())
            .loaders(strata::DataLoadersOptions().bs(o.bs).num_workers(o.workers).device(torch::Device(o.device))));
    if (o.weights.empty() && o.pretrained) o.weights = strata::pretrained_weights_file(o.arch);
    auto learn = strata::vision_learner(
        dls, o.arch,
        strata::VisionLearnerOptions()
            .model(strata::VisionModelOptions().pretrained(!o.weights.empty()).weights(o.weights))
            .learner(strata::LearnerOptions().metrics({strata::accuracy}).path(o.out)));
    if (pg) strata::to_distributed(*learn, pg);  // fastai: learn.to_distributed()
    learn->fine_tune(o.epochs, o.lr);
    if (learn->is_main_process()) {  // only rank 0 writes files
      learn->export_learner(fs::path(o.out) / "model.strata");
      std::cout << "rank 0 of " << env.world_size << ": exported " << (fs::path(o.out) / "model.strata").string() << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rank " << strata::rank_distrib() << ": " << e.what() << "\n";
    return 1;
  }
}
