// Data-parallel training on c10d Gloo over loopback: 2 and 3 processes launched here (and by
// torchrun), compared with one process on the combined batch; faults and bad launches.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/data/data_loader.h"
#include "strata/distributed/env.h"
#include "strata/distributed/distributed_trainer.h"
#include "strata/distributed/process_group.h"
#include "strata/learner/learner.h"
#include "strata/models/sequential.h"
#include "strata/vision/fashion_mnist.h"

extern char** environ;

namespace fs = std::filesystem;

namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct Exit {
  int code = -1;    // exit status, or -signal
  double seconds = 0;
  std::string log;  // stdout + stderr
};

// Starts `argv` with `env` added to this process's environment, output to `log`.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, const fs::path& log) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string key = entry.substr(0, entry.find('='));
    if (key != "RANK" && key != "WORLD_SIZE" && key != "LOCAL_RANK" && key != "MASTER_ADDR" && key != "MASTER_PORT")
      env_strings.push_back(entry);
  }
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  return pid;
}

// Waits for every process, killing what is left after `limit` seconds, or 5 s after one fails
// (a stopped process never exits by itself).
std::vector<Exit> wait_all(const std::vector<pid_t>& pids, const std::vector<fs::path>& logs, double limit) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<Exit> exits(pids.size());
  std::vector<bool> done(pids.size(), false);
  for (std::size_t left = pids.size(); left > 0;) {
    const double now = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (std::size_t i = 0; i < pids.size(); ++i) {
      if (done[i]) continue;
      int status = 0;
      if (now > limit) ::kill(pids[i], SIGKILL);
      if (::waitpid(pids[i], &status, now > limit ? 0 : WNOHANG) == pids[i]) {
        exits[i].code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        exits[i].seconds = now;
        done[i] = true;
        --left;
        if (exits[i].code != 0) limit = std::min(limit, now + 5);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (std::size_t i = 0; i < pids.size(); ++i) {
    std::ifstream in(logs[i]);
    exits[i].log.assign(std::istreambuf_iterator<char>(in), {});
  }
  return exits;
}

std::string worker() { return STRATA_DIST_WORKER_EXE; }

// A job of `world` workers: rank r gets RANK=r (or ranks[r]) and WORLD_SIZE=world (or worlds[r]).
std::vector<Exit> run_job(int world, const std::vector<std::string>& args, const fs::path& out, double limit = 240,
                          std::vector<int> ranks = {}, std::vector<int> worlds = {}) {
  const int port = free_port();
  std::vector<pid_t> pids;
  std::vector<fs::path> logs;
  for (int r = 0; r < world; ++r) {
    const int rank = ranks.empty() ? r : ranks[static_cast<std::size_t>(r)];
    const int size = worlds.empty() ? world : worlds[static_cast<std::size_t>(r)];
    logs.push_back(out / fmt::format("log{}.txt", r));
    std::vector<std::string> argv{worker()};
    argv.insert(argv.end(), args.begin(), args.end());
    pids.push_back(spawn(argv,
                         {fmt::format("RANK={}", rank), fmt::format("WORLD_SIZE={}", size),
                          fmt::format("LOCAL_RANK={}", rank), "MASTER_ADDR=127.0.0.1",
                          fmt::format("MASTER_PORT={}", port), "OMP_NUM_THREADS=1"},
                         logs.back()));
  }
  return wait_all(pids, logs, limit);
}

Exit run_alone(const std::vector<std::string>& args, const fs::path& out) {
  std::vector<std::string> argv{worker()};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto log = out / "log_alone.txt";
  return wait_all({spawn(argv, {"OMP_NUM_THREADS=1"}, log)}, {log}, 240)[0];
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), {}};
}

torch::Tensor params_of(const fs::path& file) {
  std::string bytes = read_file(file);
  return torch::from_blob(bytes.data(), {static_cast<std::int64_t>(bytes.size() / 4)}, torch::kFloat).clone();
}

std::vector<double> numbers_of(const fs::path& file) {
  std::istringstream in(read_file(file));
  std::vector<double> values;
  for (double v; in >> v;) values.push_back(v);
  return values;
}

// 60 real images per class: 480 training items (a multiple of 2 x 24 and 3 x 16), 120 validation.
fs::path fashion_data(const fs::path& dir) {
  strata::FashionMnistOptions o;
  o.per_class = 60;
  strata::materialize_fashion_mnist(dir, o);
  return dir;
}

void require_success(const std::vector<Exit>& exits) {
  for (std::size_t r = 0; r < exits.size(); ++r) {
    INFO("rank " << r << " log:\n" << exits[r].log);
    REQUIRE(exits[r].code == 0);
  }
}

// Every rank's parameters are bit-identical, and equal the single-process run within float noise;
// the Recorder's numbers (losses, valid loss, accuracy) equal the single process's.
void check_learner_job(int world, std::int64_t bs) {
  strata_test::TempDir dir("strata-dist");
  const auto data = fashion_data(dir / "data");
  fs::create_directories(dir / "alone");
  fs::create_directories(dir / "job");
  const auto alone = run_alone({"learner", data.string(), (dir / "alone").string(), std::to_string(bs * world)},
                               dir / "alone");
  INFO(alone.log);
  REQUIRE(alone.code == 0);
  const auto exits = run_job(world, {"learner", data.string(), (dir / "job").string(), std::to_string(bs)}, dir / "job");
  require_success(exits);
  const auto reference = params_of(dir / "alone" / "rank0.params");
  const auto rank0 = read_file(dir / "job" / "rank0.params");
  for (int r = 1; r < world; ++r) CHECK(read_file(dir / "job" / fmt::format("rank{}.params", r)) == rank0);
  const auto distributed = params_of(dir / "job" / "rank0.params");
  REQUIRE(distributed.sizes() == reference.sizes());
  const double diff = (distributed - reference).abs().max().item<double>();
  CHECK(diff < 2e-4);
  CHECK(diff < 1e-2 * reference.abs().max().item<double>());

  const auto want = numbers_of(dir / "alone" / "rank0.txt");
  for (int r = 0; r < world; ++r) {
    const auto got = numbers_of(dir / "job" / fmt::format("rank{}.txt", r));
    REQUIRE(got.size() == want.size());
    // [train_loss, valid_loss, accuracy] x 2 epochs, then the smoothed loss per batch: all equal.
    for (std::size_t i = 0; i + 1 < want.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-4).margin(1e-6));
    CHECK(got.back() == (r == 0 ? 1.0 : 0.0));  // only rank 0 is the main process
  }
  CHECK(want[5] > 0.5);  // it learned: accuracy after 2 epochs, 10 classes (chance 0.1)
  // Only rank 0 printed the table and saved the checkpoint SaveModelCallback loaded on every rank.
  CHECK(exits[0].log.find("train_loss") != std::string::npos);
  for (int r = 1; r < world; ++r) {
    CHECK(exits[static_cast<std::size_t>(r)].log.find("train_loss") == std::string::npos);
    CHECK(exits[static_cast<std::size_t>(r)].log.find("Better model") == std::string::npos);
  }
  CHECK(fs::exists(dir / "job" / "models" / "model.pth"));
  // CSVLogger wrote on rank 0 only: a header and one row per epoch, not one set per rank.
  std::istringstream csv(read_file(dir / "job" / "history.csv"));
  int lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  CHECK(lines == 3);
}

}  // namespace

TEST_CASE("DistributedEnv reads the launcher's variables and names the bad one", "[distributed]") {
  struct Env {
    std::vector<std::pair<std::string, std::string>> vars;
    explicit Env(std::vector<std::pair<std::string, std::string>> v) : vars(std::move(v)) {
      for (const char* k : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"}) ::unsetenv(k);
      for (const auto& [k, val] : vars) ::setenv(k.c_str(), val.c_str(), 1);
    }
    ~Env() {
      for (const char* k : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"}) ::unsetenv(k);
    }
  };
  {
    Env env({});
    const auto e = strata::DistributedEnv::from_environment();
    CHECK(e.world_size == 1);
    CHECK(e.rank == 0);
    CHECK(strata::rank_distrib() == 0);
    CHECK(strata::num_distrib() == 0);
  }
  {
    Env env({{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "29400"}});
    const auto e = strata::DistributedEnv::from_environment();
    CHECK(e.rank == 1);
    CHECK(e.world_size == 4);
    CHECK(e.local_rank == 1);
    CHECK(e.master_addr == "node7");
    CHECK(e.master_port == 29400);
    CHECK(strata::rank_distrib() == 1);
    CHECK(strata::num_distrib() == 4);
  }
  const auto fails = [](std::vector<std::pair<std::string, std::string>> vars, const std::string& needle) {
    Env env(std::move(vars));
    CHECK_THROWS_WITH(strata::DistributedEnv::from_environment(), Catch::Contains(needle));
  };
  fails({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}}, "RANK=2 is outside 0..1");
  fails({{"RANK", "0"}, {"WORLD_SIZE", "two"}}, "WORLD_SIZE='two'");
  fails({{"RANK", "0"}}, "RANK is set but WORLD_SIZE is not");
  fails({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}, "needs MASTER_ADDR and MASTER_PORT (missing: MASTER_PORT)");
  fails({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}}, "MASTER_PORT=70000");
  fails({{"RANK", "0"}, {"WORLD_SIZE", "0"}}, "WORLD_SIZE must be at least 1");
  fails({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"LOCAL_RANK", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}},
        "LOCAL_RANK=2 is outside 0..1");
  // Options are checked before anything connects.
  strata::DistributedEnv env;
  CHECK_THROWS_WITH(strata::ProcessGroup::init(env, strata::ProcessGroupOptions().backend("mpi")),
                    Catch::Contains("backend must be \"auto\", \"gloo\" or \"nccl\", got \"mpi\""));
  CHECK_THROWS_WITH(strata::ProcessGroup::init(env, strata::ProcessGroupOptions().timeout(std::chrono::milliseconds(0))),
                    Catch::Contains("timeout must be positive, got 0 ms"));
  env.rank = 3;
  CHECK_THROWS_WITH(strata::ProcessGroup::init(env), Catch::Contains("RANK=3 is outside 0..0"));
}

TEST_CASE("to_distributed with no launcher variables leaves a single process alone", "[distributed]") {
  for (const char* k : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"}) ::unsetenv(k);
  std::vector<strata::Item> items;
  for (int i = 0; i < 8; ++i)
    items.push_back({strata::Value(strata::Kind::Tensor, torch::randn({4})), strata::Value::category(i % 2)});
  auto dls = strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), strata::Splits{{0, 1, 2, 3, 4, 5}, {6, 7}}),
                                 strata::DataLoadersOptions().bs(2).num_workers(0));
  strata::Sequential net(torch::nn::Linear(4, 2));
  strata::Learner learn(dls, net, strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()));
  const auto before = learn.callbacks().size();
  CHECK(strata::to_distributed(learn) == nullptr);
  CHECK(learn.callbacks().size() == before);
  CHECK(learn.rank() == 0);
  CHECK(learn.is_main_process());
}

TEST_CASE("Shard: DistributedSampler's padded interleaving for training, contiguous slices for validation",
          "[data]") {
  struct Numbers : strata::ItemSource {
    std::size_t n;
    explicit Numbers(std::size_t n_) : n(n_) {}
    std::size_t size() const override { return n; }
    strata::Item get(std::size_t i, strata::TransformContext&) const override {
      return {strata::Value::category(static_cast<std::int64_t>(i))};
    }
    strata::Split split() const override { return strata::Split::Train; }
    std::string describe_raw(std::size_t i) const override { return std::to_string(i); }
    strata::Item decode(strata::Item item) const override { return item; }
  };
  auto source = std::make_shared<Numbers>(10);
  const auto loader = [&](int rank, int world, strata::Shard::Mode mode, bool shuffle) {
    return strata::DataLoader(source, strata::DataLoaderOptions().bs(2).num_workers(0).seed(3).shuffle(shuffle).shard(
                                          {rank, world, mode}));
  };
  const auto full = loader(0, 1, strata::Shard::Mode::interleaved, true).order(5);
  // 10 items on 3 ranks: padded to 12 by repeating the first two of the epoch's order.
  std::vector<std::size_t> seen;
  for (int r = 0; r < 3; ++r) {
    const auto dl = loader(r, 3, strata::Shard::Mode::interleaved, true);
    const auto mine = dl.order(5);
    REQUIRE(mine.size() == 4);
    CHECK(dl.size() == 2);
    for (std::size_t k = 0; k < 4; ++k) CHECK(mine[k] == full[(k * 3 + static_cast<std::size_t>(r)) % 10]);
    seen.insert(seen.end(), mine.begin(), mine.end());
  }
  std::sort(seen.begin(), seen.end());
  CHECK(std::unique(seen.begin(), seen.end()) == seen.end() - 2);  // each item once, two repeated
  // Contiguous: 4 + 3 + 3 items, no padding, the whole set in order.
  std::vector<std::size_t> joined;
  for (int r = 0; r < 3; ++r) {
    const auto mine = loader(r, 3, strata::Shard::Mode::contiguous, false).order(0);
    CHECK(mine.size() == (r == 0 ? 3u : (r == 1 ? 3u : 4u)));
    joined.insert(joined.end(), mine.begin(), mine.end());
  }
  CHECK(joined == loader(0, 1, strata::Shard::Mode::contiguous, false).order(0));
  CHECK_THROWS_WITH(loader(3, 3, strata::Shard::Mode::interleaved, false), Catch::Contains("shard rank 3 is outside 0..2"));

  // Random batch transforms: rank 0 and rank 1 draw differently for the same batch number.
  auto draw = std::make_shared<strata::LambdaTransform>(
      "Draw", std::map<strata::Kind, strata::Transform::EncodeFn>{
                  {strata::Kind::Category, [](const strata::Value& v, strata::TransformContext& ctx) {
                     return strata::Value(strata::Kind::Tensor, torch::tensor({ctx.rng->uniform()}) + v.tensor().to(torch::kDouble));
                   }}});
  const auto first_draw = [&](int rank, int world) {
    strata::DataLoader dl(source, strata::DataLoaderOptions().bs(2).num_workers(0).seed(3).after_batch(strata::Pipeline({draw}))
                                      .shard({rank, world, strata::Shard::Mode::contiguous}));
    return dl.finish_batch(strata::Item{strata::Value::category(0)}, 0, 0)[0].tensor().item<double>();
  };
  CHECK(first_draw(0, 2) != first_draw(1, 2));
}

TEST_CASE("DataLoaders::to moves both loaders and keeps their epochs", "[data]") {
  std::vector<strata::Item> items;
  for (int i = 0; i < 8; ++i) items.push_back({strata::Value::category(i)});
  auto dls = strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), strata::Splits{{0, 1, 2, 3, 4, 5}, {6, 7}}),
                                 strata::DataLoadersOptions().bs(2).num_workers(0));
  dls.train().set_epoch(3);
  dls.valid().set_epoch(5);
  dls.to(torch::Device(torch::kMeta));  // any other device will do: nothing is loaded here
  CHECK(dls.device() == torch::Device(torch::kMeta));
  CHECK(dls.valid().options().device() == torch::Device(torch::kMeta));
  CHECK(dls.train().epoch() == 3);
  CHECK(dls.valid().epoch() == 5);
}

TEST_CASE("2 processes: bit-identical ranks, equal to one process on the combined batch, same metrics",
          "[distributed][e2e]") {
  REQUIRE(strata::distributed_available());
  check_learner_job(2, 24);
}

TEST_CASE("3 processes: bit-identical ranks, equal to one process on the combined batch, same metrics",
          "[distributed][e2e]") {
  check_learner_job(3, 16);
}

TEST_CASE("GradientReducer in a hand-written LibTorch loop: several buckets, the combined-batch result",
          "[distributed]") {
  strata_test::TempDir dir("strata-dist");
  const auto data = fashion_data(dir / "data");
  fs::create_directories(dir / "alone");
  fs::create_directories(dir / "job");
  const auto alone = run_alone({"loop", data.string(), (dir / "alone").string(), "48"}, dir / "alone");
  INFO(alone.log);
  REQUIRE(alone.code == 0);
  require_success(run_job(2, {"loop", data.string(), (dir / "job").string(), "24"}, dir / "job"));
  CHECK(read_file(dir / "job" / "rank0.params") == read_file(dir / "job" / "rank1.params"));
  CHECK((params_of(dir / "job" / "rank0.params") - params_of(dir / "alone" / "rank0.params")).abs().max().item<double>() <
        1e-4);
  CHECK(read_file(dir / "job" / "rank0.txt") == "buckets 2\n");
}

TEST_CASE("A rank that dies or hangs makes the others fail within the timeout, never a silent hang",
          "[distributed]") {
  strata_test::TempDir dir("strata-dist");
  const auto data = fashion_data(dir / "data");
  for (const std::string mode : {"die", "hang"}) {
    SECTION(mode) {
      fs::create_directories(dir / mode);
      const auto start = std::chrono::steady_clock::now();
      // A 3 s collective timeout; the harness kills whatever is left after 60 s.
      const auto exits = run_job(2, {mode, data.string(), (dir / mode).string(), "24", "3000"}, dir / mode, 60);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      INFO("rank 0 log:\n" << exits[0].log);
      CHECK(exits[0].code == 3);  // the worker's exit code for an error
      CHECK(exits[0].log.find("distributed:") != std::string::npos);
      CHECK(exits[0].log.find("rank 0 of 2") != std::string::npos);
      CHECK(exits[0].seconds < 45);  // start-up + 3 batches + the 3 s timeout, far from the 60 s kill
      if (mode == "die") CHECK(exits[1].code == -SIGKILL);
      CHECK(seconds < 58);
    }
  }
}

TEST_CASE("Bad launches: a WORLD_SIZE that differs, a RANK used twice, a missing rank", "[distributed]") {
  strata_test::TempDir dir("strata-dist");
  const auto data = fashion_data(dir / "data");
  SECTION("WORLD_SIZE differs") {
    const auto exits = run_job(2, {"learner", data.string(), dir.path().string(), "24", "3000"}, dir.path(), 60, {0, 1},
                               {2, 3});
    INFO(exits[0].log << "\n---\n" << exits[1].log);
    CHECK(exits[0].code == 3);
    CHECK(exits[1].code == 3);
    CHECK(exits[0].log.find("WORLD_SIZE differs between ranks: rank 0 has 2, rank 1 has 3") != std::string::npos);
  }
  SECTION("RANK used twice") {
    const auto exits =
        run_job(3, {"learner", data.string(), dir.path().string(), "24", "3000"}, dir.path(), 60, {0, 1, 1});
    const std::string logs = exits[0].log + exits[1].log + exits[2].log;
    INFO(logs);
    for (const auto& e : exits) CHECK(e.code == 3);
    CHECK(logs.find("RANK=1 is used by 2 processes") != std::string::npos);
  }
  SECTION("a rank never starts") {
    const auto exits = run_job(1, {"learner", data.string(), dir.path().string(), "24", "2000"}, dir.path(), 60, {0},
                               {2});
    INFO(exits[0].log);
    CHECK(exits[0].code == 3);
    CHECK(exits[0].log.find("for rank 1 of WORLD_SIZE=2 to join") != std::string::npos);
    CHECK(exits[0].seconds < 30);
  }
}

TEST_CASE("torchrun's agent store: workers join as clients under /worker/attempt_N", "[distributed][e2e]") {
  strata_test::TempDir dir("strata-dist");
  const auto data = fashion_data(dir / "data");
  const std::string port = std::to_string(free_port());
  const std::vector<std::string> job{worker(), "loop", data.string(), dir.path().string(), "24"};
#ifdef STRATA_TORCHRUN_PYTHONPATH
  // The LibTorch of this build comes with its Python package: the real torchrun.
  std::vector<std::string> argv{"/usr/bin/python3", "-m", "torch.distributed.run", "--nnodes", "1",
                                "--nproc-per-node", "2", "--rdzv-backend", "static", "--node-rank", "0",
                                "--master-addr", "127.0.0.1", "--master-port", port, "--no-python"};
  argv.insert(argv.end(), job.begin(), job.end());
  const auto log = dir / "torchrun.txt";
  const auto exit = wait_all({spawn(argv, {"PYTHONPATH=" STRATA_TORCHRUN_PYTHONPATH}, log)}, {log}, 240)[0];
  INFO(exit.log);
  REQUIRE(exit.code == 0);
#else
  // Debian's torchrun 1.13 fails on Python 3.11 before starting workers; its agent's part is a
  // TCPStore server, run here with Debian's python3-torch, and the environment torchrun sets.
  const auto agent_log = dir / "agent.txt";
  const pid_t agent = spawn({"/usr/bin/python3", "-c",
                             "import datetime, time\nfrom torch.distributed import TCPStore\n"
                             "s = TCPStore('127.0.0.1', " + port + ", 3, True, datetime.timedelta(seconds=60), "
                             "wait_for_workers=False)\nprint('ready', flush=True)\ntime.sleep(300)\n"},
                            {}, agent_log);
  for (int i = 0; i < 500 && read_file(agent_log).find("ready") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(read_file(agent_log).find("ready") != std::string::npos);
  std::vector<pid_t> pids;
  std::vector<fs::path> logs;
  for (int r = 0; r < 2; ++r) {
    logs.push_back(dir / fmt::format("log{}.txt", r));
    pids.push_back(spawn(job,
                         {fmt::format("RANK={}", r), "WORLD_SIZE=2", fmt::format("LOCAL_RANK={}", r),
                          "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + port, "TORCHELASTIC_USE_AGENT_STORE=True",
                          "TORCHELASTIC_RESTART_COUNT=0", "OMP_NUM_THREADS=1"},
                         logs.back()));
  }
  const auto exits = wait_all(pids, logs, 240);
  ::kill(agent, SIGKILL);
  ::waitpid(agent, nullptr, 0);
  require_success(exits);
#endif
  CHECK(read_file(dir / "rank0.params") == read_file(dir / "rank1.params"));
}
