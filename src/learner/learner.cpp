#include "strata/learner/learner.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <unordered_set>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "strata/callbacks/channels_last.h"
#include "strata/callbacks/mixed_precision.h"
#include "strata/callbacks/progress.h"
#include "strata/callbacks/schedule.h"
#include "strata/core/error.h"
#include "strata/core/malloc_tuning.h"
#include "strata/core/state_dict.h"
#include "strata/distributed/process_group.h"
#include "strata/learner/recorder.h"
#include "strata/models/layers.h"

namespace strata {

OptFunc adam_opt() {
  return [](ParamGroupList groups, double lr) { return std::make_unique<Adam>(std::move(groups), lr); };
}
OptFunc sgd_opt(double mom) {
  return [mom](ParamGroupList groups, double lr) { return std::make_unique<SGD>(std::move(groups), lr, mom); };
}
OptFunc radam_opt() {
  return [](ParamGroupList groups, double lr) { return std::make_unique<RAdam>(std::move(groups), lr); };
}

namespace {

// fastai TrainEvalCallback (order -10): modes, positions and device placement.
class TrainEvalCallback : public Callback {
 public:
  std::string name() const override { return "train_eval"; }
  int order() const override { return -10; }
  bool run_valid() const override { return false; }
  void before_fit(Learner& l) override {
    l.epoch = 0;
    l.train_iter = 0;
    l.pct_train = 0;
    l.module().to(l.dls().device());
    if (l.dls().device().is_cuda() && l.options().cudnn_benchmark()) at::globalContext().setBenchmarkCuDNN(true);
    if (l.options().tune_malloc()) tune_cpu_allocator();
  }
  void before_train(Learner& l) override {
    l.pct_train = static_cast<double>(l.epoch) / l.n_epoch;
    l.module().train();
    l.training = true;
  }
  void after_batch(Learner& l) override {
    l.pct_train += 1.0 / (static_cast<double>(l.n_iter) * l.n_epoch);
    l.train_iter += 1;
  }
  void before_validate(Learner& l) override {
    l.module().eval();
    l.training = false;
  }
};

// fastai LRFinder: exponential lr per batch, stops on divergence, no validation.
class LRFinder : public Callback {
 public:
  explicit LRFinder(const LRFindOptions& o) : o_(o) {}
  std::string name() const override { return "lr_finder"; }
  int order() const override { return 60; }
  bool run_valid() const override { return false; }
  void before_fit(Learner&) override { best_ = std::numeric_limits<double>::infinity(); }
  void before_batch(Learner& l) override {
    const double pos = static_cast<double>(l.train_iter) / o_.num_it();
    l.opt().set_hyper("lr", o_.start_lr() * std::pow(o_.end_lr() / o_.start_lr(), pos));
  }
  void after_batch(Learner& l) override {
    const double loss = l.smooth_loss();  // lr_find decides per batch, so it syncs per batch
    if (loss < best_) best_ = loss;
    if ((o_.stop_div() && (loss > 4 * best_ || std::isnan(loss))) || l.train_iter >= o_.num_it())
      throw CancelFit();
  }
  void before_validate(Learner&) override { throw CancelValid(); }

 private:
  LRFindOptions o_;
  double best_ = 0;
};

bool is_inner_event(Event e) {
  switch (e) {
    case Event::before_batch:
    case Event::after_pred:
    case Event::after_loss:
    case Event::before_backward:
    case Event::after_cancel_backward:
    case Event::after_backward:
    case Event::before_step:
    case Event::after_step:
    case Event::after_cancel_batch:
    case Event::after_batch: return true;
    default: return false;
  }
}

// fastai norm_bias_params: every norm layer's parameters, plus (with_bias) every other bias.
std::unordered_set<const void*> norm_bias_params(torch::nn::Module& model, bool with_bias) {
  std::unordered_set<const void*> out;
  for (const auto& m : model.modules(/*include_self=*/true)) {
    if (is_norm_layer(*m)) {
      for (const auto& p : m->parameters()) out.insert(p.unsafeGetTensorImpl());
    } else if (with_bias) {
      const auto own = m->named_parameters(/*recurse=*/false);
      if (const auto* b = own.find("bias")) out.insert(b->unsafeGetTensorImpl());
    }
  }
  return out;
}

void print_row(std::ostream& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "  " : "") << cells[i];
  out << "\n" << std::flush;
}

}  // namespace

Learner::Learner(DataLoaders dls, LearnerModel model, LearnerOptions options)
    : out(&std::cout), dls_(std::move(dls)), model_(std::move(model)), options_(std::move(options)) {
  loss_func_ = options_.loss_func();
  if (!loss_func_) {
    STRATA_CHECK(!dls_.vocab().empty(),
                 "Learner: no loss_func given and the data has no vocab to default to CrossEntropyLossFlat from");
    loss_func_ = CrossEntropyLossFlat();
  }
  for (const auto& m : options_.metrics()) metrics_.push_back(m.get());
  logger = [this](const std::vector<std::string>& cells) { print_row(*out, cells); };
  recorder_ = std::make_shared<Recorder>();
  cbs_ = {std::make_shared<TrainEvalCallback>(), recorder_, std::make_shared<ProgressCallback>()};
  for (auto& cb : options_.cbs()) add_cb(cb);
  run_event(Event::after_create);
}

Learner::~Learner() = default;

Optimizer& Learner::opt() {
  if (!opt_) create_opt();
  return *opt_;
}

Recorder& Learner::recorder() { return *recorder_; }

double Learner::smooth_loss() { return recorder_->smooth_loss(); }

void Learner::create_opt() {
  ParamGroupList groups = options_.splitter() ? options_.splitter()(module()) : single_group(module());
  STRATA_CHECK(!groups.empty(), "Learner: the splitter returned no parameter group");
  opt_ = options_.opt_func()(std::move(groups), options_.lr());
  const auto no_wd = norm_bias_params(module(), true);
  const auto bn = norm_bias_params(module(), false);
  for (const auto& group : opt_->param_groups())
    for (const auto& p : group) {
      if (!options_.wd_bn_bias() && no_wd.count(p.unsafeGetTensorImpl())) opt_->state(p).do_wd = false;
      if (options_.train_bn() && bn.count(p.unsafeGetTensorImpl())) opt_->state(p).force_train = true;
    }
}

void Learner::add_cb(CallbackPtr cb) {
  STRATA_CHECK(cb != nullptr, "Learner: a null callback");
  cbs_.push_back(std::move(cb));
}

void Learner::remove_cb(const CallbackPtr& cb) { cbs_.erase(std::remove(cbs_.begin(), cbs_.end(), cb), cbs_.end()); }

std::vector<CallbackPtr> Learner::callbacks() const {
  std::vector<CallbackPtr> sorted = cbs_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a->order() < b->order(); });
  return sorted;
}

void Learner::run_event(Event event) {
  const bool inner = is_inner_event(event);
  for (const auto& cb : callbacks()) {
    if (inner && !((cb->run_train() && training) || (cb->run_valid() && !training))) continue;
    try {
      cb->handle(event, *this);
    } catch (const CancelSignal&) {
      throw;
    } catch (...) {
      rethrow_with_context(fmt::format("in callback '{}' at {}: ", cb->name(), event_name(event)));
    }
  }
}

template <typename Cancel, typename Body>
void Learner::with_events(Event before, Event cancel, Event after, Body&& body) {
  try {
    run_event(before);
    body();
  } catch (const Cancel&) {
    run_event(cancel);
  }
  run_event(after);
}

void Learner::to_fp16() {
  to_fp32();
  add_cb(std::make_shared<MixedPrecision>(c10::kHalf));
}

void Learner::to_bf16() {
  to_fp32();
  add_cb(std::make_shared<MixedPrecision>(c10::kBFloat16));
}

namespace {
template <typename Cb>
void erase_callbacks(std::vector<CallbackPtr>& cbs) {
  cbs.erase(std::remove_if(cbs.begin(), cbs.end(),
                           [](const CallbackPtr& cb) { return dynamic_cast<Cb*>(cb.get()) != nullptr; }),
            cbs.end());
}
}  // namespace

void Learner::to_fp32() { erase_callbacks<MixedPrecision>(cbs_); }

void Learner::to_channelslast() {
  to_contiguous();
  add_cb(std::make_shared<ChannelsLast>());
}

void Learner::to_contiguous() {
  erase_callbacks<ChannelsLast>(cbs_);
  torch::NoGradGuard no_grad;
  for (auto& p : module().parameters()) p.set_data(p.contiguous());
}

void Learner::freeze_to(int n) {
  opt().freeze_to(n);
  opt().clear_state();
}

void Learner::fit(int n_epoch_, std::optional<HyperValue> lr, std::vector<CallbackPtr> cbs, bool reset_opt,
                  std::optional<double> wd, int start_epoch) {
  STRATA_CHECK(n_epoch_ > 0, "fit: n_epoch must be positive, got {}", n_epoch_);
  STRATA_CHECK(start_epoch >= 0 && start_epoch < n_epoch_, "fit: start_epoch {} is outside [0, {})", start_epoch,
               n_epoch_);
  for (auto& cb : cbs) add_cb(cb);
  struct Remove {
    Learner& l;
    std::vector<CallbackPtr>& cbs;
    ~Remove() {
      for (auto& cb : cbs) l.remove_cb(cb);
    }
  } remove{*this, cbs};
  if (reset_opt || !opt_) create_opt();
  if (!wd) wd = options_.wd();
  if (wd) opt_->set_hyper("wd", *wd);
  opt_->set_hyper("lr", lr ? *lr : HyperValue(options_.lr()));
  n_epoch = n_epoch_;
  with_events<CancelFit>(Event::before_fit, Event::after_cancel_fit, Event::after_fit, [&] {
    for (int e = start_epoch; e < n_epoch; ++e) {
      epoch = e;
      do_epoch();
    }
  });
  dl = nullptr;
  xb.clear();
  yb.clear();
  pred = loss = loss_grad = at::Tensor();
}

void Learner::do_epoch() {
  with_events<CancelEpoch>(Event::before_epoch, Event::after_cancel_epoch, Event::after_epoch, [&] {
    dl = &dls_.train();
    with_events<CancelTrain>(Event::before_train, Event::after_cancel_train, Event::after_train, [&] { all_batches(); });
    dl = &dls_.valid();
    torch::NoGradGuard no_grad;
    with_events<CancelValid>(Event::before_validate, Event::after_cancel_validate, Event::after_validate,
                             [&] { all_batches(); });
  });
}

void Learner::all_batches() {
  n_iter = static_cast<int>(dl->size());
  iter = 0;
  for (Item& batch : *dl) {
    one_batch(std::move(batch));
    ++iter;
  }
}

void Learner::one_batch(Item batch) {
  std::tie(xb, yb) = dls_.split_batch(batch);
  with_events<CancelBatch>(Event::before_batch, Event::after_cancel_batch, Event::after_batch, [&] {
    std::vector<at::Tensor> inputs;
    for (const auto& v : xb) inputs.push_back(v.tensor());
    pred = model_(inputs);
    run_event(Event::after_pred);
    if (yb.empty()) return;
    loss_grad = loss_func_(pred, yb[0].tensor());
    loss = loss_grad.detach().clone();
    run_event(Event::after_loss);
    if (!training) return;
    with_events<CancelBackward>(Event::before_backward, Event::after_cancel_backward, Event::after_backward,
                                [&] { loss_grad.backward(); });
    with_events<CancelStep>(Event::before_step, Event::after_cancel_step, Event::after_step, [&] { opt_->step(); });
    opt_->zero_grad();
  });
}

void Learner::fit_one_cycle(int n_epoch_, std::optional<HyperValue> lr_max, const OneCycleOptions& o) {
  if (!opt_) create_opt();
  opt_->set_hyper("lr", lr_max ? *lr_max : HyperValue(options_.lr()));
  std::vector<double> top;
  for (const auto& h : opt_->hypers()) top.push_back(h.at("lr"));
  std::vector<double> start, end;
  for (double v : top) {
    start.push_back(v / o.div());
    end.push_back(v / o.div_final());
  }
  const std::vector<double> moms = o.moms().value_or(options_.moms());
  STRATA_CHECK(moms.size() == 3, "fit_one_cycle: moms needs 3 values (start, middle, end), got {}", moms.size());
  std::map<std::string, Schedule> scheds{
      {"lr", combined_cos(o.pct_start(), start, top, end)},
      {"mom", combined_cos(o.pct_start(), {moms[0]}, {moms[1]}, {moms[2]})}};
  std::vector<CallbackPtr> cbs{std::make_shared<ParamScheduler>(scheds)};
  cbs.insert(cbs.end(), o.cbs().begin(), o.cbs().end());
  fit(n_epoch_, std::nullopt, cbs, o.reset_opt(), o.wd(), o.start_epoch());
}

void Learner::fit_flat_cos(int n_epoch_, std::optional<HyperValue> lr, double pct_start, double div_final) {
  if (!opt_) create_opt();
  opt_->set_hyper("lr", lr ? *lr : HyperValue(options_.lr()));
  std::vector<double> top, end;
  for (const auto& h : opt_->hypers()) {
    top.push_back(h.at("lr"));
    end.push_back(h.at("lr") / div_final);
  }
  std::map<std::string, Schedule> scheds{
      {"lr", combine_scheds({pct_start, 1 - pct_start}, {SchedNo(top, top), SchedCos(top, end)})}};
  fit(n_epoch_, std::nullopt, {std::make_shared<ParamScheduler>(scheds)});
}

void Learner::fit_sgdr(int n_cycles, int cycle_len, std::optional<HyperValue> lr_max, int cycle_mult) {
  STRATA_CHECK(n_cycles > 0 && cycle_len > 0 && cycle_mult > 0, "fit_sgdr: arguments must be positive");
  if (!opt_) create_opt();
  opt_->set_hyper("lr", lr_max ? *lr_max : HyperValue(options_.lr()));
  std::vector<double> top, zero;
  for (const auto& h : opt_->hypers()) {
    top.push_back(h.at("lr"));
    zero.push_back(0.0);
  }
  int n_epoch_ = 0;
  std::vector<int> lengths;
  for (int i = 0, len = cycle_len; i < n_cycles; ++i, len *= cycle_mult) {
    lengths.push_back(len);
    n_epoch_ += len;
  }
  std::vector<double> pcts;
  std::vector<Schedule> parts;
  for (int len : lengths) {
    pcts.push_back(static_cast<double>(len) / n_epoch_);
    parts.push_back(SchedCos(top, zero));
  }
  fit(n_epoch_, std::nullopt, {std::make_shared<ParamScheduler>(std::map<std::string, Schedule>{{"lr", combine_scheds(pcts, parts)}})});
}

void Learner::fine_tune(int epochs, double base_lr, const FineTuneOptions& o) {
  freeze();
  fit_one_cycle(o.freeze_epochs(), slice(base_lr), OneCycleOptions().pct_start(0.99));
  base_lr /= 2;
  unfreeze();
  fit_one_cycle(epochs, slice(base_lr / o.lr_mult(), base_lr), OneCycleOptions().pct_start(o.pct_start()).div(o.div()));
}

SuggestedLRs Learner::lr_find(const LRFindOptions& o) {
  STRATA_CHECK(o.num_it() > 0 && o.start_lr() > 0 && o.end_lr() > o.start_lr(),
               "lr_find: need num_it > 0 and 0 < start_lr < end_lr");
  if (!opt_) create_opt();
  // Kept in memory (fastai writes a temporary file): restored whatever happens.
  StateDict saved_model;
  for (const auto& item : state_dict(module())) saved_model.insert(item.key(), item.value().detach().clone());
  const PickleValue saved_opt = opt_->state_dict();
  const bool was_logging = logging;
  logging = false;
  const int n_epoch_ = o.num_it() / static_cast<int>(std::max<std::size_t>(1, dls_.train().size())) + 1;
  auto finder = std::make_shared<LRFinder>(o);
  try {
    fit(n_epoch_, std::nullopt, {finder});
  } catch (...) {
    logging = was_logging;
    load_state_dict(module(), saved_model);
    opt_->load_state_dict(saved_opt);
    throw;
  }
  logging = was_logging;
  opt_->zero_grad();
  load_state_dict(module(), saved_model);
  opt_->load_state_dict(saved_opt);

  const auto& lrs_all = recorder_->lrs;
  const auto& losses_all = recorder_->losses;
  const std::size_t skip = static_cast<std::size_t>(o.num_it() / 10);
  STRATA_CHECK(lrs_all.size() > skip + 5, "lr_find: only {} batches were recorded; use more data or num_it",
               lrs_all.size());
  std::vector<double> lrs(lrs_all.begin() + static_cast<std::ptrdiff_t>(skip), lrs_all.end() - 5);
  std::vector<double> losses(losses_all.begin() + static_cast<std::ptrdiff_t>(skip), losses_all.end() - 5);
  for (std::size_t i = 0; i < losses.size(); ++i)
    if (std::isnan(losses[i])) {
      lrs.resize(i);
      losses.resize(i);
      break;
    }
  STRATA_CHECK(losses.size() >= 2, "lr_find: the loss diverged at once; lower start_lr");
  return {suggest_valley(lrs, losses), suggest_slide(lrs, losses), suggest_minimum(lrs, losses),
          suggest_steep(lrs, losses)};
}

std::vector<std::optional<double>> Learner::validate(int ds_idx) {
  DataLoader& loader = dls_[static_cast<std::size_t>(ds_idx)];
  torch::NoGradGuard no_grad;
  start_inference(dls_.device());
  const bool was_training = training;
  training = false;
  at::Tensor total;  // on the device: read back once, after the last batch
  std::int64_t count = 0;
  for (auto& m : metrics_) m->reset();
  DataLoader ordered = loader.ordered();
  for (Item& batch : ordered) {
    auto [x, y] = dls_.split_batch(batch);
    std::vector<at::Tensor> inputs;
    for (const auto& v : x) inputs.push_back(v.tensor());
    const at::Tensor p = model_(inputs);
    const at::Tensor& t = y.at(0).tensor();
    const at::Tensor weighted = loss_func_(p, t).detach().to(at::kDouble) * static_cast<double>(t.size(0));
    total = total.defined() ? total + weighted : weighted;
    count += t.size(0);
    for (auto& m : metrics_) m->accumulate(p, t);
  }
  training = was_training;
  std::vector<std::optional<double>> out{
      count ? std::optional<double>(total.item<double>() / static_cast<double>(count)) : std::nullopt};
  for (auto& m : metrics_) out.push_back(m->value());
  return out;
}

void Learner::set_process_group(std::shared_ptr<ProcessGroup> process_group) {
  process_group_ = std::move(process_group);
}

bool Learner::is_main_process() const { return !process_group_ || process_group_->rank() == 0; }

std::filesystem::path Learner::save(const std::string& name, bool with_opt) {
  const auto file = options_.path() / options_.model_dir() / (name + ".pth");
  if (!is_main_process()) return file;  // rank 0 writes it
  PickleValue::Pairs root{{PickleValue::string("model"), to_pickle(state_dict(module()))}};
  if (with_opt && opt_) {
    root.emplace_back(PickleValue::string("opt"), opt_->state_dict());
    PickleValue::Pairs resume{
        {PickleValue::string("train_epoch"), PickleValue::integer(static_cast<std::int64_t>(dls_.train().epoch()))},
        {PickleValue::string("torch_rng"), PickleValue::tensor(at::detail::getDefaultCPUGenerator().get_state())}};
    root.emplace_back(PickleValue::string("strata"), PickleValue::dict(std::move(resume)));
  }
  save_pth(PickleValue::dict(std::move(root)), file);
  return file;
}

void Learner::load(const std::string& name, bool with_opt, bool strict) {
  const auto file = options_.path() / options_.model_dir() / (name + ".pth");
  const PickleValue root = read_pth(file);
  try {
    load_state_dict(module(), to_state_dict(root, file.string()), strict);
  } catch (const KeyError& e) {
    throw KeyError(fmt::format("load: '{}': {}", file.string(), e.what()));
  }
  if (with_opt && root.find("model")) {
    if (const PickleValue* o = root.find("opt")) {
      try {
        opt().load_state_dict(*o);
      } catch (const Error& e) {
        STRATA_FAIL(KeyError, "load: '{}': the optimizer state does not fit: {}", file.string(), e.what());
      }
    }
    if (const PickleValue* resume = root.find("strata")) {
      if (const auto* e = resume->find("train_epoch")) dls_.train().set_epoch(static_cast<std::uint64_t>(e->as_int()));
      if (const auto* r = resume->find("torch_rng")) {
        at::Generator gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(r->as_tensor().clone());
      }
    }
  }
}

// ---- lr_find suggestions (float32 arithmetic, as fastai computes them on tensors) -----------------

double suggest_valley(const std::vector<double>& lrs, const std::vector<double>& losses_d) {
  const std::size_t n = losses_d.size();
  std::vector<float> losses(losses_d.begin(), losses_d.end());
  std::size_t max_start = 0, max_end = 0;
  std::vector<std::size_t> lds(n, 1);
  for (std::size_t i = 1; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[max_end] < lds[i]) {
        max_end = i;
        max_start = max_end - lds[max_end];
      }
    }
  const double sections = static_cast<double>(max_end - max_start) / 3.0;
  const std::size_t idx = max_start + static_cast<std::size_t>(sections) + static_cast<std::size_t>(sections / 2);
  return static_cast<float>(lrs.at(idx));
}

double suggest_slide(const std::vector<double>& lrs, const std::vector<double>& losses_d, int lr_diff, double thresh,
                     double adjust_value) {
  const auto n = static_cast<int>(losses_d.size());
  std::vector<float> l(losses_d.begin(), losses_d.end());
  std::vector<float> grad(l.size());  // numpy.gradient: central inside, one-sided at the ends
  for (int i = 0; i < n; ++i) {
    if (n == 1) grad[0] = 0;
    else if (i == 0) grad[0] = l[1] - l[0];
    else if (i == n - 1) grad[i] = l[i] - l[i - 1];
    else grad[i] = (l[i + 1] - l[i - 1]) / 2.0f;
  }
  auto at = [n](int neg) { return n + neg; };  // Python negative index
  int r = -1, left = r - lr_diff;
  STRATA_CHECK(left >= -n, "suggest_slide: needs more than {} points, got {}", lr_diff, n);
  double lr = static_cast<float>(lrs[static_cast<std::size_t>(at(left))]);
  while (left >= -n && std::abs(grad[static_cast<std::size_t>(at(r))] - grad[static_cast<std::size_t>(at(left))]) > thresh) {
    lr = static_cast<float>(lrs[static_cast<std::size_t>(at(left))]);
    --r;
    --left;
  }
  return lr * adjust_value;
}

double suggest_minimum(const std::vector<double>& lrs, const std::vector<double>& losses) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < losses.size(); ++i)
    if (static_cast<float>(losses[i]) < static_cast<float>(losses[best])) best = i;
  return static_cast<float>(lrs[best]) / 10.0;
}

double suggest_steep(const std::vector<double>& lrs, const std::vector<double>& losses) {
  std::size_t best = 0;
  float best_grad = std::numeric_limits<float>::infinity();
  for (std::size_t i = 0; i + 1 < losses.size(); ++i) {
    const float g = (static_cast<float>(losses[i + 1]) - static_cast<float>(losses[i])) /
                    (std::log(static_cast<float>(lrs[i + 1])) - std::log(static_cast<float>(lrs[i])));
    if (g < best_grad) {
      best_grad = g;
      best = i;
    }
  }
  return static_cast<float>(lrs[best]);
}

std::string format_time(double seconds) {
  const auto t = static_cast<long>(seconds);
  const long h = t / 3600, m = (t / 60) % 60, s = t % 60;
  return h > 0 ? fmt::format("{}:{:02d}:{:02d}", h, m, s) : fmt::format("{:02d}:{:02d}", m, s);
}

}  // namespace strata
