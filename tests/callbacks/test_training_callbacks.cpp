#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/callbacks/mixup.h"
#include "strata/callbacks/progress.h"
#include "strata/callbacks/csv_logger.h"
#include "strata/callbacks/tracker.h"
#include "strata/callbacks/training.h"
#include "strata/core/error.h"
#include "strata/learner/learner.h"
#include "strata/models/sequential.h"

using strata_test::Contains;

namespace {

std::unique_ptr<strata::Learner> tiny(const std::filesystem::path& path, std::vector<strata::CallbackPtr> cbs) {
  torch::manual_seed(0);
  std::vector<strata::Item> items;
  for (int i = 0; i < 48; ++i) {
    auto x = torch::randn({8});
    items.push_back({strata::Value(strata::Kind::Tensor, x), strata::Value::category(x[0].item<float>() > 0 ? 1 : 0)});
  }
  strata::Splits splits;
  for (int i = 0; i < 48; ++i) (i < 40 ? splits.train : splits.valid).push_back(i);
  auto dls = strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), splits),
                                 strata::DataLoadersOptions().bs(4).num_workers(0).seed(0));
  strata::Sequential net(torch::nn::Linear(8, 8), torch::nn::ReLU(), torch::nn::Linear(8, 2));
  auto learn = std::make_unique<strata::Learner>(
      dls, net, strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).cbs(std::move(cbs)).path(path));
  learn->logging = false;
  return learn;
}

}  // namespace

TEST_CASE("ReduceLROnPlateau divides the lr after each epoch without improvement", "[callbacks]") {
  strata_test::TempDir dir;
  auto learn = tiny(dir.path(), {std::make_shared<strata::ReduceLROnPlateau>("valid_loss", 1e9, 1, 10.0)});
  learn->fit(3, 1e-2);
  // The first epoch improves on "nothing yet"; epochs 2 and 3 do not beat it by 1e9.
  CHECK(learn->opt().hyper(0, "lr") == Approx(1e-4));
}

TEST_CASE("GradientAccumulation steps once per n_acc items", "[callbacks]") {
  strata_test::TempDir dir;
  auto learn = tiny(dir.path(), {std::make_shared<strata::GradientAccumulation>(8)});
  learn->fit(1, 1e-2);
  const auto p = learn->opt().param_groups()[0][0];
  CHECK(learn->opt().state(p).step == 5);  // 10 batches of 4 items
  CHECK(learn->recorder().losses.size() == 10);
}

TEST_CASE("CSVLogger writes the epoch table", "[callbacks]") {
  strata_test::TempDir dir;
  auto learn = tiny(dir.path(), {std::make_shared<strata::CSVLogger>()});
  learn->fit(2, 1e-2);
  std::ifstream in(dir / "history.csv");
  std::string header, row1, row2;
  std::getline(in, header);
  std::getline(in, row1);
  std::getline(in, row2);
  CHECK(header == "epoch,train_loss,valid_loss");
  CHECK(row2.rfind("1,", 0) == 0);
}

TEST_CASE("MixUp and CutMix train; CutMix needs images", "[callbacks]") {
  strata_test::TempDir dir;
  auto learn = tiny(dir.path(), {std::make_shared<strata::MixUp>(0.4)});
  learn->fit(1, 1e-2);
  CHECK(std::isfinite(*learn->recorder().final_record()[0]));
  auto cut = tiny(dir.path(), {std::make_shared<strata::CutMix>()});
  CHECK_THROWS_WITH(cut->fit(1), Contains("CutMix: needs an image batch [N, C, H, W]"));
}

TEST_CASE("Precision, Recall, F1 and RocAuc on a known case", "[callbacks]") {
  // predictions (argmax): 1, 0, 1, 1 ; targets: 1, 0, 0, 1
  auto pred = torch::tensor({{0.2, 0.8}, {0.9, 0.1}, {0.4, 0.6}, {0.3, 0.7}});
  auto targ = torch::tensor({1, 0, 0, 1});
  auto run = [&](const strata::MetricPtr& m) {
    m->reset();
    m->accumulate(pred.narrow(0, 0, 2), targ.narrow(0, 0, 2));
    m->accumulate(pred.narrow(0, 2, 2), targ.narrow(0, 2, 2));
    return *m->value();
  };
  CHECK(run(strata::Precision()) == Approx(2.0 / 3));
  CHECK(run(strata::Recall()) == Approx(1.0));
  CHECK(run(strata::F1Score()) == Approx(0.8));
  CHECK(run(strata::Precision(strata::Average::Macro)) == Approx((1.0 + 2.0 / 3) / 2));
  // scores of class 1 after softmax keep the order 0.8 > 0.7 > 0.6 > 0.1: one false positive ranks
  // below both positives -> AUC 1.0
  CHECK(run(strata::RocAucBinary()) == Approx(1.0));
  auto mixed = torch::tensor({{0.0, 0.1}, {0.0, 0.4}, {0.0, 0.35}, {0.0, 0.8}});
  auto m = strata::RocAucBinary();
  m->reset();
  m->accumulate(mixed, torch::tensor({0, 0, 1, 1}));
  CHECK(*m->value() == Approx(0.75));
}

TEST_CASE("to_channelslast: NHWC weights and inputs, the same training as contiguous; to_contiguous undoes it",
          "[callbacks]") {
  const auto run = [](bool channels_last) {
    torch::manual_seed(0);
    std::vector<strata::Item> items;
    for (int i = 0; i < 32; ++i)
      items.push_back({strata::Value(strata::Kind::TensorImage, torch::randn({3, 8, 8})), strata::Value::category(i % 2)});
    strata::Splits splits;
    for (int i = 0; i < 32; ++i) (i < 24 ? splits.train : splits.valid).push_back(i);
    auto dls = strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), splits),
                                   strata::DataLoadersOptions().bs(8).num_workers(0).seed(0));
    strata::Sequential net(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3)), torch::nn::ReLU(),
                           torch::nn::AdaptiveAvgPool2d(1), torch::nn::Flatten(), torch::nn::Linear(4, 2));
    strata::Learner learn(dls, net, strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()));
    learn.logging = false;
    if (channels_last) learn.to_channelslast();
    struct Probe : strata::Callback {
      bool saw_nhwc = false;
      std::string name() const override { return "probe"; }
      void after_pred(strata::Learner& l) override {
        saw_nhwc = l.xb[0].tensor().is_contiguous(at::MemoryFormat::ChannelsLast) &&
                   !l.xb[0].tensor().is_contiguous();
      }
    };
    auto probe = std::make_shared<Probe>();
    learn.fit(2, 1e-2, strata::FitOptions().cbs({probe}));
    const auto weight = learn.module().parameters()[0];
    CHECK(probe->saw_nhwc == channels_last);
    CHECK(weight.is_contiguous(at::MemoryFormat::ChannelsLast) == channels_last);
    if (channels_last) {
      learn.to_contiguous();
      CHECK(learn.module().parameters()[0].is_contiguous());
    }
    return weight.detach().clone().contiguous();
  };
  const auto plain = run(false), nhwc = run(true);
  CHECK(torch::allclose(plain, nhwc, 1e-5, 1e-6));
}

namespace {

// Sleeps in after_batch (before the progress bar, order 60) for the first `slow` training batches.
class SlowBatches : public strata::Callback {
 public:
  explicit SlowBatches(int slow) : slow_(slow) {}
  std::string name() const override { return "slow_batches"; }
  int order() const override { return 50; }
  void after_batch(strata::Learner& l) override {
    if (l.training && l.iter < slow_) std::this_thread::sleep_for(std::chrono::milliseconds(210));
  }

 private:
  int slow_;
};

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("ProgressCallback: the live bar redraws at most every 0.2 s, and always at a phase's end",
          "[callbacks]") {
  strata_test::TempDir dir;
  const int slow = GENERATE(0, 3);
  auto learn = tiny(dir.path(), {std::make_shared<SlowBatches>(slow)});
  for (const auto& cb : learn->callbacks())
    if (cb->name() == "progress") learn->remove_cb(cb);
  learn->add_cb(std::make_shared<strata::ProgressCallback>(true));
  learn->logging = true;
  std::ostringstream out;
  learn->out = &out;
  REQUIRE(learn->dls().train().size() == 10);
  const auto start = std::chrono::steady_clock::now();
  learn->fit(1);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("slow batches " << slow << ", fit took " << seconds << " s");
  // Each slow batch waits past the 0.2 s, so it draws; the first and the last always draw.
  const auto train_draws = count_of(out.str(), "\rtrain 1/1 |");
  CHECK(train_draws >= static_cast<std::size_t>(2 + std::max(0, slow - 1)));
  CHECK(train_draws <= static_cast<std::size_t>(2 + slow + seconds / 0.2));
  CHECK(count_of(out.str(), "\rvalid 1/1 |########################################| 2/2") == 1);
  CHECK(count_of(out.str(), "\rtrain 1/1 |########################################| 10/10") == 1);
}
