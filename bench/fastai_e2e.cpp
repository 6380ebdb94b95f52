// strata against the real fastai 2.7.13, end to end: the Siamese walk-through as
// examples/pets_siamese runs its embedded default (Fashion-MNIST laid out like Pets, a resnet18
// body pretrained here on other classes), from the files to the last epoch, in strata and in
// fastai (bench/fastai_e2e.py), interleaved (strata, fastai, strata, ...), both on the same
// number of threads. Each run is a process of its own, timed from outside (`wall`: start-up,
// LibTorch's or Python's imports included) and from inside (the phases, the same events on both
// sides). Prints every phase's median seconds and the ratio strata / fastai.
// bench/fastai_e2e.sh installs fastai into a private folder and runs this.
//
//   bench_fastai_e2e [--size 32] [--runs 2] [--per-class 200] [--threads 2] [--python python3]
//                    [--pythonpath DIR] [--data DIR]
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <sstream>

#include <torch/torch.h>

#include <strata/strata.h>

#include "bench_util.h"
#include "embedded_data.h"
#include "siamese_transform.h"

namespace fs = std::filesystem;

namespace {

struct Options {
  int size = 32, runs = 2, per_class = 200, threads = 2, bs = 64, frozen = 4, unfrozen = 1;
  double lr = 3e-3, lr_unfrozen = 1e-4;
  std::uint64_t seed = 42;
  std::string python = "/usr/bin/python3", pythonpath, self;
  fs::path data = fs::temp_directory_path() / "strata-bench-fastai-e2e", weights;
  bool child = false;  // run strata's side once and print its phases, as fastai_e2e.py does
};

using Phases = std::map<std::string, std::vector<double>>;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Seconds of each fit's training and validation, and of the training steps' parts: forward, loss,
// backward, optimizer step, and the time between batches (loader, batch transforms), summed per
// run under the current `tag`: the same events as bench/fastai_e2e.py's PhaseTimer.
class PhaseTimer : public strata::Callback {
 public:
  std::string name() const override { return "phase_timer"; }
  int order() const override { return 99; }
  void before_train(strata::Learner&) override { start_ = last_ = now(); }
  void after_train(strata::Learner&) override { sums["train_" + tag] += seconds(start_, now()); }
  void before_validate(strata::Learner&) override { start_ = now(); }
  void after_validate(strata::Learner&) override { sums["valid_" + tag] += seconds(start_, now()); }
  void before_batch(strata::Learner& l) override { part(l, "between"); }
  void after_pred(strata::Learner& l) override { part(l, "forward"); }
  void after_loss(strata::Learner& l) override { part(l, "loss"); }
  void before_backward(strata::Learner& l) override { part(l, "loss"); }
  void after_backward(strata::Learner& l) override { part(l, "backward"); }
  void before_step(strata::Learner& l) override { part(l, "other"); }
  void after_step(strata::Learner& l) override { part(l, "step"); }
  void after_batch(strata::Learner& l) override { part(l, "other"); }
  std::string tag;
  std::map<std::string, double> sums;

 private:
  using Clock = std::chrono::steady_clock;
  static Clock::time_point now() { return Clock::now(); }
  static double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }
  void part(const strata::Learner& l, const std::string& name) {
    const auto t = now();
    if (l.training) sums[name + "_" + tag] += seconds(last_, t);
    last_ = t;
  }
  Clock::time_point start_, last_;
};

// examples/pets_siamese's flow on `data` with the body in `weights`; returns the final accuracy.
double run_strata(const Options& o, const fs::path& data, const fs::path& weights, Phases& phases) {
  const auto start = std::chrono::steady_clock::now();
  strata::seed_everything(o.seed);
  const auto files = strata::get_image_files(data / "images");
  strata::RegexLabeller label(R"(^(.*)_\d+\.(jpg|png)$)");
  const auto splits = strata::RandomSplitter(0.2, o.seed)(files);
  auto tfm = std::make_shared<SiameseTransform>(files, label, splits, o.seed);
  auto dls = strata::dataloaders(
      strata::TfmdLists(files, strata::Pipeline({tfm}), splits),
      strata::DataLoadersOptions()
          .bs(o.bs)
          .seed(o.seed)
          .after_item(strata::Pipeline({std::make_shared<strata::Resize>(o.size), std::make_shared<strata::ToTensor>()}))
          .after_batch(strata::Pipeline({std::make_shared<strata::IntToFloatTensor>(),
                                         strata::Normalize::from_stats(strata::imagenet_stats)})));
  strata::ArchModel arch = strata::model_meta("resnet18").make();
  strata::load_state_dict(*arch.module, weights, /*strict=*/false);
  auto encoder = strata::create_body(arch.layers, strata::BodyOptions().cut(-2));
  auto head = strata::create_head(strata::num_features_model(encoder) * 2, 2, strata::HeadOptions().ps({0.5}));
  auto timer = std::make_shared<PhaseTimer>();
  strata::Learner learn(dls, strata::SiameseModel(encoder, head),
                        strata::LearnerOptions()
                            .loss_func(strata::CrossEntropyLossFlat())
                            .splitter(strata::siamese_splitter)
                            .metrics({strata::accuracy})
                            .cbs({timer}));
  learn.logging = false;
  phases["setup"].push_back(seconds_since(start));

  auto t = std::chrono::steady_clock::now();
  timer->tag = "frozen";
  learn.freeze();
  learn.fit_one_cycle(o.frozen, o.lr);
  phases["fit_frozen"].push_back(seconds_since(t));
  t = std::chrono::steady_clock::now();
  timer->tag = "unfrozen";
  learn.unfreeze();
  learn.fit_one_cycle(o.unfrozen, strata::slice(o.lr_unfrozen / 100, o.lr_unfrozen));
  phases["fit_unfrozen"].push_back(seconds_since(t));
  phases["total"].push_back(seconds_since(start));
  for (const auto& [name, seconds] : timer->sums) phases[name].push_back(seconds);
  return learn.recorder().final_record().back().value_or(0.0);
}

// Runs `command` as a process, adds its `phase NAME SECONDS` lines and its wall time to `phases`;
// returns the accuracy it printed.
double run_process(const std::string& command, Phases& phases) {
  const auto start = std::chrono::steady_clock::now();
  std::istringstream out(strata_bench::shell(command));
  phases["wall"].push_back(seconds_since(start));
  double accuracy = -1;
  for (std::string word; out >> word;) {
    if (word == "phase") {
      std::string name;
      double seconds = 0;
      out >> name >> seconds;
      phases[name].push_back(seconds);
    } else if (word == "accuracy") {
      out >> accuracy;
    }
  }
  if (accuracy < 0) throw std::runtime_error("no accuracy printed by: " + command);
  return accuracy;
}

std::string arguments(const Options& o, const fs::path& data, const fs::path& weights) {
  std::ostringstream a;
  a << data.string() << " " << weights.string() << " " << o.size << " " << o.bs << " " << o.frozen << " "
    << o.unfrozen << " " << o.lr << " " << o.lr_unfrozen << " " << o.seed << " " << o.threads;
  return a.str();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.self = fs::canonical("/proc/self/exe").string();
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--child") {
      o.child = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "option " << k << " needs a value\n";
      return 2;
    }
    const std::string v = argv[++i];
    if (k == "--size") o.size = std::stoi(v);
    else if (k == "--runs") o.runs = std::stoi(v);
    else if (k == "--per-class") o.per_class = std::stoi(v);
    else if (k == "--threads") o.threads = std::stoi(v);
    else if (k == "--python") o.python = v;
    else if (k == "--pythonpath") o.pythonpath = v;
    else if (k == "--data") o.data = v;
    else if (k == "--weights") o.weights = v;
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (o.child) {  // one run of strata's side, timed phases on stdout
    const auto start = std::chrono::steady_clock::now();
    at::set_num_threads(o.threads);
    Phases phases;
    const double accuracy = run_strata(o, o.data, o.weights, phases);
    for (const auto& [name, seconds] : phases) std::cout << "phase " << name << " " << seconds.at(0) << "\n";
    std::cout << "phase process " << seconds_since(start) << "\naccuracy " << accuracy << "\n";
    return 0;
  }
  PretrainOptions pretrain;
  pretrain.size = o.size;
  const fs::path weights = pretrained_body(o.data / std::to_string(o.size), pretrain);
  const fs::path data = siamese_default_data(o.data, o.per_class);
  std::cout << "Siamese walk-through end to end: " << strata::get_image_files(data / "images").size()
            << " Fashion-MNIST images, " << o.size << " px, resnet18 body pretrained on other classes, bs " << o.bs
            << ", freeze + fit_one_cycle(" << o.frozen << ", " << o.lr << ") + unfreeze + fit_one_cycle(" << o.unfrozen
            << ", slice(" << o.lr_unfrozen / 100 << ", " << o.lr_unfrozen << ")), " << o.threads
            << " threads, each run a process, interleaved: " << o.runs << " each\n";
  const std::string ours_cmd = fmt::format("{} --child --data {} --weights {} --size {} --threads {}", o.self,
                                           data.string(), weights.string(), o.size, o.threads);
  const std::string theirs_cmd =
      (o.pythonpath.empty() ? "" : "PYTHONPATH=" + o.pythonpath + " ") + o.python + " " + STRATA_BENCH_DIR +
      "/fastai_e2e.py " + arguments(o, data, weights);
  Phases ours, theirs;
  std::vector<double> our_acc, their_acc;
  for (int r = 0; r < o.runs; ++r) {
    our_acc.push_back(run_process(ours_cmd, ours));
    their_acc.push_back(run_process(theirs_cmd, theirs));
  }
  std::cout << "| phase (median seconds) | strata | fastai 2.7.13 | strata / fastai |\n|---|---|---|---|\n";
  for (const std::string name :
       {"setup", "train_frozen", "forward_frozen", "loss_frozen", "backward_frozen", "step_frozen", "other_frozen",
        "between_frozen", "valid_frozen", "train_unfrozen", "forward_unfrozen", "loss_unfrozen", "backward_unfrozen",
        "step_unfrozen", "other_unfrozen", "between_unfrozen", "valid_unfrozen", "fit_frozen", "fit_unfrozen",
        "total", "wall"}) {
    const double a = median(ours[name]), b = median(theirs[name]);
    std::cout << fmt::format("| {} | {:.2f} | {:.2f} | {:.2f} |\n", name, a, b, b > 0 ? a / b : 0.0);
  }
  std::cout << "accuracy: strata " << median(our_acc) << ", fastai " << median(their_acc) << "\n";
  return 0;
}
