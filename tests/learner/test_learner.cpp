#include <sstream>

#include <torch/torch.h>

#include "catch.h"
#include "fastai_numbers.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/callbacks/lr_finder.h"
#include "strata/callbacks/tracker.h"
#include "strata/learner/learner.h"
#include "strata/learner/recorder.h"
#include "strata/models/create_head.h"
#include "strata/models/layers.h"
#include "strata/models/sequential.h"

using strata::Item;
using strata::Kind;
using strata::Value;
using strata_test::Contains;

namespace {

// The "tiny" setup of fastai_numbers.txt: 20 training batches, 4 validation batches, 2 groups.
strata::DataLoaders tiny_dls() {
  torch::manual_seed(0);
  std::vector<Item> items;
  for (int i = 0; i < 96; ++i) {
    auto x = torch::randn({8});
    items.push_back({Value(Kind::Tensor, x), Value::category(x[0].item<float>() + x[1].item<float>() > 0 ? 1 : 0)});
  }
  strata::Splits splits;
  for (int i = 0; i < 96; ++i) (i < 80 ? splits.train : splits.valid).push_back(i);
  strata::TfmdLists tls(items, strata::Pipeline(), splits);
  return strata::dataloaders(tls, strata::DataLoadersOptions().bs(4).num_workers(0).seed(1));
}

struct TinyModel {
  strata::Sequential net{torch::nn::Linear(8, 16), strata::batch_norm_1d(16), torch::nn::ReLU(), torch::nn::Linear(16, 2)};
  strata::Splitter splitter() const {
    auto n = net;
    return [n](torch::nn::Module&) mutable {
      strata::ParamGroups g(2);
      for (std::size_t i = 0; i < 4; ++i)
        for (const auto& p : n[i]->parameters()) g[i < 2 ? 0 : 1].push_back(p);
      return g;
    };
  }
};

// Records every group's lr and mom before each training batch of the last fit.
class HyperLog : public strata::Callback {
 public:
  std::string name() const override { return "hyper_log"; }
  int order() const override { return 70; }
  bool run_valid() const override { return false; }
  void before_fit(strata::Learner&) override { lrs.clear(), moms.clear(); }
  void after_batch(strata::Learner& l) override {
    std::vector<double> lr, mom;
    for (const auto& h : l.opt().hypers()) {
      lr.push_back(h.at("lr"));
      mom.push_back(h.at("mom"));
    }
    lrs.push_back(lr);
    moms.push_back(mom);
  }
  std::vector<std::vector<double>> lrs, moms;
};

void check_close(const std::vector<double>& got, const std::vector<double>& want, double rtol = 1e-9) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(rtol));
}
void check_close(const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) check_close(got[i], want[i]);
}

int64_t trainable(const std::vector<torch::Tensor>& group) {
  int64_t n = 0;
  for (const auto& p : group) n += p.requires_grad() ? p.numel() : 0;
  return n;
}

}  // namespace

TEST_CASE("Learner: fit_one_cycle's per-batch lrs and moms equal the real fastai's", "[learner][parity]") {
  TinyModel tiny;
  auto log = std::make_shared<HyperLog>();
  std::ostringstream out;
  strata::Learner learn(tiny_dls(), tiny.net, strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).splitter(tiny.splitter()).cbs({log}));
  learn.out = &out;
  REQUIRE(learn.dls().train().size() == 20);
  REQUIRE(learn.dls().valid().size() == 4);
  learn.fit_one_cycle(1, 3e-3);
  using strata_test::fastai_list;
  using strata_test::fastai_table;
  check_close(learn.recorder().lrs, fastai_list("tiny.fit_one_cycle(1,3e-3).recorder_lrs"));
  check_close(learn.recorder().hps.at("lr"), fastai_list("tiny.fit_one_cycle(1,3e-3).recorder_hps_lr"));
  check_close(learn.recorder().hps.at("mom"), fastai_list("tiny.fit_one_cycle(1,3e-3).recorder_hps_mom"));
  check_close(log->lrs, fastai_table("tiny.fit_one_cycle(1,3e-3).group_lrs_per_iter"));
  check_close(log->moms, fastai_table("tiny.fit_one_cycle(1,3e-3).group_moms_per_iter"));
  CHECK_THAT(out.str(), Contains("epoch     train_loss  valid_loss  time    \n0         "));

  // freeze / unfreeze then discriminative learning rates.
  learn.freeze();
  CHECK(learn.opt().frozen_idx() == 1);
  CHECK(trainable(learn.opt().param_groups()[0]) == 32);  // only the BatchNorm stays trainable
  learn.unfreeze();
  learn.fit_one_cycle(1, strata::slice(1e-6, 1e-4));
  check_close(learn.recorder().lrs, fastai_list("tiny.unfreeze.fit_one_cycle(1,slice(1e-6,1e-4)).recorder_lrs"));
  check_close(log->lrs, fastai_table("tiny.unfreeze.fit_one_cycle(1,slice(1e-6,1e-4)).group_lrs_per_iter"));

  learn.fine_tune(1);
  check_close(log->lrs, fastai_table("tiny.fine_tune(1).phase2.group_lrs_per_iter"));
  check_close(log->moms, fastai_table("tiny.fine_tune(1).phase2.group_moms_per_iter"));
}

TEST_CASE("Learner: fit_flat_cos and fit_sgdr schedule the lrs the real fastai does", "[learner][parity]") {
  using strata_test::fastai_list;
  using strata_test::fastai_table;
  const auto learner = [](TinyModel& tiny, const std::shared_ptr<HyperLog>& log) {
    auto learn = std::make_unique<strata::Learner>(
        tiny_dls(), tiny.net,
        strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).splitter(tiny.splitter()).cbs({log}));
    learn->logging = false;
    return learn;
  };
  {
    TinyModel tiny;
    auto log = std::make_shared<HyperLog>();
    auto learn = learner(tiny, log);
    learn->fit_flat_cos(1, 3e-3);
    check_close(learn->recorder().hps.at("lr"), fastai_list("tiny.fit_flat_cos(1,3e-3).recorder_hps_lr"));
    check_close(log->lrs, fastai_table("tiny.fit_flat_cos(1,3e-3).group_lrs_per_iter"));
    learn->fit_flat_cos(2, strata::slice(1e-5, 1e-3), strata::FlatCosOptions().pct_start(0.5));
    check_close(log->lrs, fastai_table("tiny.fit_flat_cos(2,slice(1e-5,1e-3),pct_start=0.5).group_lrs_per_iter"));
  }
  {
    TinyModel tiny;
    auto log = std::make_shared<HyperLog>();
    auto learn = learner(tiny, log);
    learn->fit_sgdr(3, 1, 3e-3);  // cycles of 1, 2 and 4 epochs
    CHECK(learn->recorder().values.size() == 7);
    check_close(learn->recorder().hps.at("lr"), fastai_list("tiny.fit_sgdr(3,1,3e-3).recorder_hps_lr"));
    check_close(log->lrs, fastai_table("tiny.fit_sgdr(3,1,3e-3).group_lrs_per_iter"));
    // fastai 2.7.13 divides by cycle_mult - 1 for the epoch count (ZeroDivisionError at 1);
    // strata adds the cycle lengths: two cycles of one epoch, each a full cosine from lr_max.
    learn->fit_sgdr(2, 1, 3e-3, strata::SgdrOptions().cycle_mult(1));
    REQUIRE(learn->recorder().values.size() == 2);
    const auto& lrs = learn->recorder().hps.at("lr");
    REQUIRE(lrs.size() == 40);
    CHECK(lrs[0] == Approx(3e-3));
    CHECK(lrs[20] == Approx(3e-3));
    CHECK(lrs[19] < 1e-4);
  }
}

TEST_CASE("Learner: defaults match fastai's", "[learner][parity]") {
  TinyModel tiny;
  strata::Learner learn(tiny_dls(), tiny.net, strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).splitter(tiny.splitter()));
  CHECK(learn.lr() == 1e-3);
  CHECK(learn.options().moms() == strata_test::fastai_list("tiny.defaults.learner_moms"));
  CHECK(learn.options().train_bn());
  CHECK_FALSE(learn.options().wd_bn_bias());
  CHECK(learn.opt().hypers()[0] == strata::Hypers{{"eps", 1e-5}, {"lr", 1e-3}, {"mom", 0.9}, {"sqr_mom", 0.99}, {"wd", 0.01}});
  // no weight decay on BatchNorm and biases; BatchNorm forced trainable
  auto params = tiny.net[1]->parameters();
  CHECK_FALSE(learn.opt().state(params[0]).do_wd);
  CHECK(learn.opt().state(params[0]).force_train);
  CHECK_FALSE(learn.opt().state(tiny.net[0]->named_parameters()["bias"]).do_wd);
  CHECK(learn.opt().state(tiny.net[0]->named_parameters()["weight"]).do_wd);
}

TEST_CASE("lr_find suggestions on the real fastai's recorded curve", "[learner][parity]") {
  const auto lrs_all = strata_test::fastai_list("lr_find.lrs");
  const auto losses_all = strata_test::fastai_list("lr_find.smooth_losses");
  REQUIRE(lrs_all.size() == 85);
  std::vector<double> lrs(lrs_all.begin() + 10, lrs_all.end() - 5), losses(losses_all.begin() + 10, losses_all.end() - 5);
  using strata_test::fastai_value;
  CHECK(strata::suggest_valley(lrs, losses) == Approx(std::stod(fastai_value("lr_find.suggestion.valley"))).epsilon(1e-6));
  CHECK(strata::suggest_minimum(lrs, losses) == Approx(std::stod(fastai_value("lr_find.suggestion.minimum"))).epsilon(1e-6));
  CHECK(strata::suggest_steep(lrs, losses) == Approx(std::stod(fastai_value("lr_find.suggestion.steep"))).epsilon(1e-6));
  CHECK(strata::suggest_slide(lrs, losses) == Approx(std::stod(fastai_value("lr_find.suggestion.slide"))).epsilon(1e-6));
}

TEST_CASE("lr_find: exponential lrs, stops, restores the model", "[learner]") {
  TinyModel tiny;
  strata::Learner learn(tiny_dls(), tiny.net, strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).splitter(tiny.splitter()));
  std::vector<torch::Tensor> before;
  for (const auto& p : tiny.net->parameters()) before.push_back(p.detach().clone());
  const auto s = learn.lr_find();
  const auto& lrs = learn.recorder().lrs;
  REQUIRE(lrs.size() >= 16);
  CHECK(lrs.size() <= 100);
  CHECK(lrs[0] == Approx(1e-7));
  CHECK(lrs[1] == Approx(1.2022644e-7).epsilon(1e-6));
  CHECK(s.valley > 1e-7);
  CHECK(s.valley < 10);
  const auto after = tiny.net->parameters();
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(torch::equal(before[i], after[i]));
}

TEST_CASE("Recorder: fastai's smoothing, batch-size weighting and table layout", "[learner][parity]") {
  strata::AvgSmoothLoss smooth;
  const std::vector<double> want{1.0, 0.74747475, 0.57828867};
  const std::vector<double> in{1.0, 0.5, 0.25};
  for (std::size_t i = 0; i < 3; ++i) {
    smooth.accumulate(in[i]);
    CHECK(smooth.value() == Approx(want[i]).epsilon(1e-7));
  }
  strata::AvgMetric acc(strata::accuracy);
  acc.reset();
  auto right = torch::zeros({64, 2});
  right.select(1, 1).fill_(1);  // predicts class 1
  auto t64 = torch::cat({torch::ones({32}, torch::kLong), torch::zeros({32}, torch::kLong)});
  acc.accumulate(right, t64);                                                 // 0.5 on 64 items
  acc.accumulate(right.narrow(0, 0, 36), torch::ones({36}, torch::kLong));  // 1.0 on 36 items
  CHECK(*acc.value() == Approx(0.68));
  const std::vector<std::string> header{"epoch", "train_loss", "valid_loss", "error_rate", "time"};
  CHECK(strata::format_table_header(header) == "epoch     train_loss  valid_loss  error_rate  time    ");
  CHECK(strata::format_table_row({"0", "1.016445", "0.318346", "0.104195", "00:21"}, header) ==
        "0         1.016445    0.318346    0.104195    00:21     ");
  CHECK(strata::format_time(21.7) == "00:21");
  CHECK(strata::format_time(3725) == "1:02:05");
}

namespace {
// Reads every batch's raw loss, and the smoothed loss on every third batch (a mid-epoch read-back).
class LossProbe : public strata::Callback {
 public:
  std::string name() const override { return "loss_probe"; }
  int order() const override { return 70; }
  bool run_valid() const override { return false; }
  void after_batch(strata::Learner& l) override {
    raw.push_back(l.loss.item<double>());
    if (raw.size() % 3 == 0) mid.emplace_back(raw.size() - 1, l.smooth_loss());
  }
  std::vector<double> raw;
  std::vector<std::pair<std::size_t, double>> mid;
};
}  // namespace

TEST_CASE("Recorder: losses read back from the device once per epoch equal per-batch smoothing", "[learner]") {
  TinyModel tiny;
  strata::Learner learn(tiny_dls(), tiny.net,
                        strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).splitter(tiny.splitter()));
  auto probe = std::make_shared<LossProbe>();
  learn.add_cb(probe);
  learn.fit(2, 1e-2);
  const auto& losses = learn.recorder().losses;
  REQUIRE(probe->raw.size() == 40);
  REQUIRE(losses.size() == 40);
  strata::AvgSmoothLoss smooth;
  for (std::size_t i = 0; i < 40; ++i) {
    smooth.accumulate(probe->raw[i]);
    CHECK(losses[i] == Approx(smooth.value()).epsilon(1e-12));
  }
  for (const auto& [i, v] : probe->mid) CHECK(v == Approx(losses[i]).epsilon(1e-12));
  CHECK(learn.smooth_loss() == Approx(losses.back()).epsilon(1e-12));
  const auto record = learn.recorder().final_record();
  CHECK(*record[0] == Approx(losses.back()).epsilon(1e-12));
  // The validation loss summed on the device equals a fresh validate() of the same model.
  CHECK(*record[1] == Approx(*learn.validate()[0]).epsilon(1e-9));
}

TEST_CASE("Learner: save and load round-trip the model and optimizer (torch.load-readable)", "[learner]") {
  strata_test::TempDir dir;
  TinyModel tiny;
  std::ostringstream out;
  strata::Learner learn(tiny_dls(), tiny.net,
                        strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).splitter(tiny.splitter()).path(dir.path()));
  learn.out = &out;
  learn.fit(1, 1e-2);
  const auto file = learn.save("stage1");
  CHECK(file == dir / "models/stage1.pth");
  const auto w = tiny.net->parameters()[0].detach().clone();
  learn.fit(1, 1e-2);
  CHECK_FALSE(torch::equal(w, tiny.net->parameters()[0]));
  learn.load("stage1");
  CHECK(torch::equal(w, tiny.net->parameters()[0]));
  const auto keys = strata_test::run_python("import torch\nd = torch.load('" + file.string() + "')\nprint(sorted(d.keys()), len(d['opt']['state']))\n");
  CHECK(keys == "['model', 'opt', 'strata'] 6\n");
  CHECK_THROWS_WITH(learn.load("missing"), Contains("missing.pth' does not exist"));
}

TEST_CASE("Learner: callbacks run in order, cancel signals skip what they should", "[callbacks]") {
  struct Trace : strata::Callback {
    std::string name() const override { return "trace"; }
    int order() const override { return 5; }
    void before_train(strata::Learner&) override { events.push_back("before_train"); }
    void before_batch(strata::Learner& l) override {
      if (l.training && l.iter == 1) throw strata::CancelBatch();
    }
    void after_cancel_batch(strata::Learner&) override { events.push_back("after_cancel_batch"); }
    void before_validate(strata::Learner&) override { throw strata::CancelValid(); }
    void after_cancel_validate(strata::Learner&) override { events.push_back("after_cancel_validate"); }
    void after_validate(strata::Learner&) override { events.push_back("after_validate"); }
    std::vector<std::string> events;
  };
  TinyModel tiny;
  auto trace = std::make_shared<Trace>();
  std::ostringstream out;
  strata::Learner learn(tiny_dls(), tiny.net, strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).splitter(tiny.splitter()).cbs({trace}));
  learn.out = &out;
  learn.fit(1);
  CHECK(trace->events == std::vector<std::string>{"before_train", "after_cancel_batch", "after_cancel_validate",
                                                   "after_validate"});
  CHECK(learn.train_iter == 20);
  CHECK_FALSE(learn.recorder().final_record().at(1).has_value());  // no validation loss
  auto names = learn.callbacks();
  CHECK(names.front()->name() == "train_eval");
  CHECK(names[1]->name() == "trace");
}

TEST_CASE("Learner: validate, get_preds and tta run the one evaluation loop, with its events", "[learner]") {
  // Counts the events of evaluation; fit's own events must not fire outside a fit.
  struct Events : strata::Callback {
    std::string name() const override { return "events"; }
    void before_fit(strata::Learner&) override { seen.push_back("before_fit"); }
    void before_validate(strata::Learner& l) override {
      seen.push_back("before_validate");
      CHECK_FALSE(l.training);
      CHECK_FALSE(l.module().is_training());
    }
    void before_batch(strata::Learner& l) override { batches += !l.training; }
    void after_pred(strata::Learner& l) override { preds += l.pred.size(0); }
    void after_loss(strata::Learner& l) override { losses += l.loss.defined(); }
    void after_batch(strata::Learner&) override { ++after_batches; }
    void after_validate(strata::Learner&) override { seen.push_back("after_validate"); }
    std::vector<std::string> seen;
    int batches = 0, losses = 0, after_batches = 0;
    std::int64_t preds = 0;
  };
  TinyModel tiny;
  auto events = std::make_shared<Events>();
  strata::Learner learn(tiny_dls(), tiny.net,
                        strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).metrics({strata::accuracy}).cbs({events}));
  learn.logging = false;

  const auto preds = learn.get_preds(1, /*with_decoded=*/true, /*with_loss=*/true);
  CHECK(events->seen == std::vector<std::string>{"before_validate", "after_validate"});
  CHECK(events->batches == 4);  // 16 validation items, bs 4
  CHECK(events->after_batches == 4);
  CHECK(events->losses == 4);
  CHECK(events->preds == 16);
  CHECK(preds.preds.sizes() == torch::IntArrayRef({16, 2}));
  CHECK(preds.losses.sizes() == torch::IntArrayRef({16}));
  CHECK(torch::equal(preds.decoded, preds.preds.argmax(1)));

  // validate is the same loop; its loss is the Recorder's batch-size weighted mean of those losses.
  const auto metrics = learn.validate();
  CHECK(events->batches == 8);
  REQUIRE(metrics.size() == 2);
  CHECK(*metrics[0] == Approx(preds.losses.mean().item<double>()).epsilon(1e-6));
  CHECK(*metrics[1] == Approx((preds.decoded == preds.targets).to(torch::kDouble).mean().item<double>()));

  // tta: n augmented passes and the plain one, 4 batches each; the training set through ds_idx 0.
  learn.tta(1, 2);
  CHECK(events->batches == 8 + 3 * 4);
  CHECK(learn.get_preds(0).preds.size(0) == 80);  // ordered, nothing dropped
  CHECK(std::find(events->seen.begin(), events->seen.end(), "before_fit") == events->seen.end());

  // A callback added for one evaluation is gone afterwards; the recorded training history stays.
  learn.fit(1);
  const auto history = learn.recorder().values;
  learn.get_preds();
  CHECK((learn.recorder().values == history));
  CHECK(learn.callbacks().size() == 4);  // train_eval, recorder, progress, events
}

TEST_CASE("Learner: a callback's error names the callback and the event", "[callbacks]") {
  struct Broken : strata::Callback {
    std::string name() const override { return "broken"; }
    void after_loss(strata::Learner&) override { throw strata::ValueError("bad things"); }
  };
  TinyModel tiny;
  strata::Learner learn(tiny_dls(), tiny.net,
                        strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).splitter(tiny.splitter()).cbs({std::make_shared<Broken>()}));
  std::ostringstream out;
  learn.out = &out;
  CHECK_THROWS_AS(learn.fit(1), strata::ValueError);
  CHECK_THROWS_WITH(learn.fit(1), Contains("in callback 'broken' at after_loss: bad things"));
}

TEST_CASE("Learner: save at epoch k, load in a fresh learner, resume: bit-identical to an uninterrupted run",
          "[learner]") {
  strata_test::TempDir dir;
  auto make = [&](std::uint64_t seed) {
    strata::seed_everything(seed);
    auto net = strata::Sequential(torch::nn::Linear(8, 32), strata::batch_norm_1d(32), torch::nn::ReLU(),
                                  torch::nn::Dropout(0.3), torch::nn::Linear(32, 2));
    auto learn = std::make_unique<strata::Learner>(
        tiny_dls(), net, strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).path(dir.path()));
    learn->logging = false;
    return std::make_pair(std::move(learn), net);
  };
  struct StopAfter : strata::Callback {
    explicit StopAfter(int e) : e_(e) {}
    std::string name() const override { return "stop_after"; }
    int order() const override { return 62; }
    void after_epoch(strata::Learner& l) override {
      if (l.epoch == e_) throw strata::CancelFit();
    }
    int e_;
  };
  auto [whole, whole_net] = make(0);
  whole->fit_one_cycle(4, 1e-2);

  auto [first, first_net] = make(0);
  first->fit_one_cycle(4, 1e-2, strata::OneCycleOptions().cbs(
                                    {std::make_shared<strata::SaveModelCallback>("valid_loss", "ck", true, true),
                                     std::make_shared<StopAfter>(1)}));
  REQUIRE(first->recorder().values.size() == 2);

  auto [resumed, resumed_net] = make(123);
  resumed->load("ck_1");
  resumed->fit_one_cycle(4, 1e-2, strata::OneCycleOptions().start_epoch(2));
  const auto a = whole_net->parameters(), b = resumed_net->parameters();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(torch::equal(a[i], b[i]));
  CHECK(resumed->recorder().values.back()[1] == whole->recorder().values.back()[1]);
}
