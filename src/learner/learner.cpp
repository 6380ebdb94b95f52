// The Learner core: state, callbacks and events, the training loop and the one evaluation loop
// (fastai learner.py). Schedules, lr_find, precision, inference, export and persistence are
// layers on top, each in its own file (see learner.h).
#include "strata/learner/learner.h"

#include <algorithm>
#include <iostream>
#include <unordered_set>

#include <torch/torch.h>

#include "strata/core/error.h"
#include "strata/core/malloc_tuning.h"
#include "strata/learner/gather_preds.h"
#include "strata/learner/progress.h"
#include "strata/models/layers.h"
#include "train_eval.h"

namespace strata {

OptFunc adam_opt() {
  return [](ParamGroups groups, double lr) { return std::make_unique<Adam>(std::move(groups), lr); };
}
OptFunc sgd_opt(double mom) {
  return [mom](ParamGroups groups, double lr) { return std::make_unique<SGD>(std::move(groups), lr, mom); };
}
OptFunc radam_opt() {
  return [](ParamGroups groups, double lr) { return std::make_unique<RAdam>(std::move(groups), lr); };
}

namespace {

// Events that only callbacks running in the current phase (run_train / run_valid) receive.
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

// fastai's added_cbs: callbacks that belong to one call, removed however it ends.
class AddedCallbacks {
 public:
  AddedCallbacks(Learner& learn, std::vector<CallbackPtr> cbs) : learn_(learn), cbs_(std::move(cbs)) {
    for (const auto& cb : cbs_) learn_.add_cb(cb);
  }
  ~AddedCallbacks() {
    for (const auto& cb : cbs_) learn_.remove_cb(cb);
  }
  AddedCallbacks(const AddedCallbacks&) = delete;
  AddedCallbacks& operator=(const AddedCallbacks&) = delete;

 private:
  Learner& learn_;
  std::vector<CallbackPtr> cbs_;
};

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
  logger = [this](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) *out << (i ? "  " : "") << cells[i];
    *out << "\n" << std::flush;
  };
  // fastai defaults.callbacks: TrainEvalCallback, Recorder, ProgressCallback.
  recorder_ = std::make_shared<Recorder>();
  cbs_ = {std::make_shared<detail::TrainEvalCallback>(), recorder_, std::make_shared<ProgressCallback>()};
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

void Learner::set_rank(int rank) {
  STRATA_CHECK(rank >= 0, "Learner::set_rank: a rank is not negative, got {}", rank);
  rank_ = rank;
}

void Learner::create_opt() {
  ParamGroups groups = options_.splitter() ? options_.splitter()(module()) : single_group(module());
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

void Learner::freeze_to(int n) {
  opt().freeze_to(n);
  opt().clear_state();
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

// ---- the training loop (fastai fit / _do_fit / _do_epoch) ------------------------------------------

void Learner::fit(int n_epoch_, std::optional<HyperValue> lr, const FitOptions& o) {
  STRATA_CHECK(n_epoch_ > 0, "fit: n_epoch must be positive, got {}", n_epoch_);
  STRATA_CHECK(o.start_epoch() >= 0 && o.start_epoch() < n_epoch_, "fit: start_epoch {} is outside [0, {})",
               o.start_epoch(), n_epoch_);
  AddedCallbacks added(*this, o.cbs());
  if (o.reset_opt() || !opt_) create_opt();
  if (const auto wd = o.wd() ? o.wd() : options_.wd()) opt_->set_hyper("wd", *wd);
  opt_->set_hyper("lr", lr ? *lr : HyperValue(options_.lr()));
  n_epoch = n_epoch_;
  with_events<CancelFit>(Event::before_fit, Event::after_cancel_fit, Event::after_fit, [&] {
    for (int e = o.start_epoch(); e < n_epoch; ++e) {
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
    with_events<CancelTrain>(Event::before_train, Event::after_cancel_train, Event::after_train,
                             [&] { all_batches(std::nullopt); });
    do_validate(dls_.valid());
  });
}

void Learner::do_validate(DataLoader& loader, std::optional<int> n_inp) {
  dl = &loader;
  torch::NoGradGuard no_grad;
  with_events<CancelValid>(Event::before_validate, Event::after_cancel_validate, Event::after_validate,
                           [&] { all_batches(n_inp); });
}

void Learner::all_batches(std::optional<int> n_inp) {
  n_iter = static_cast<int>(dl->size());  // a callback may have replaced dl at before_train/validate
  iter = 0;
  for (Item& batch : *dl) {
    one_batch(std::move(batch), n_inp);
    ++iter;
  }
}

void Learner::one_batch(Item batch, std::optional<int> n_inp) {
  std::tie(xb, yb) = split_batch(batch, n_inp.value_or(dls_.n_inp()));
  with_events<CancelBatch>(Event::before_batch, Event::after_cancel_batch, Event::after_batch, [&] {
    pred = model_(xb);
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

// ---- evaluation: the validation phase on its own (fastai validate / get_preds) -----------------------

template <typename Body>
void Learner::evaluating(const at::Device& device, const std::vector<CallbackPtr>& cbs, Body&& body) {
  module().to(device);
  if (options_.tune_malloc()) tune_cpu_allocator();
  struct Restore {  // evaluation may run inside a fit (a callback calling validate)
    Learner& l;
    bool training;
    DataLoader* dl;
    int n_iter, iter;
    ~Restore() {
      l.training = training, l.dl = dl, l.n_iter = n_iter, l.iter = iter;
      l.xb.clear(), l.yb.clear();
      l.pred = l.loss = l.loss_grad = at::Tensor();
    }
  } restore{*this, training, dl, n_iter, iter};
  AddedCallbacks added(*this, cbs);
  body();
}

std::vector<std::optional<double>> Learner::validate(int ds_idx) {
  DataLoader ordered = dls_[static_cast<std::size_t>(ds_idx)].ordered();
  evaluating(dls_.device(), {}, [&] { do_validate(ordered); });
  return recorder_->last_validation();
}

Predictions Learner::get_preds(int ds_idx, bool with_decoded, bool with_loss) {
  DataLoader ordered = dls_[static_cast<std::size_t>(ds_idx)].ordered();
  return get_preds(ordered, with_decoded, with_loss);
}

Predictions Learner::get_preds(DataLoader& loader, bool with_decoded, bool with_loss, std::optional<int> n_inp) {
  auto gather = std::make_shared<GatherPreds>(with_loss);
  evaluating(loader.options().device(), {gather}, [&] { do_validate(loader, n_inp); });
  STRATA_CHECK(gather->batches() > 0, "get_preds: the loader has no batch ({} items)", loader.n_items());
  return gather->predictions(loss_func_, with_decoded);
}

}  // namespace strata
