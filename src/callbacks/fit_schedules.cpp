// The fit calls that schedule hyper-parameters (fastai patches them onto Learner in
// callback/schedule.py): each builds its schedules and runs Learner::fit with a ParamScheduler.
#include <map>

#include "strata/callbacks/schedule.h"
#include "strata/core/error.h"
#include "strata/learner/learner.h"

namespace strata {
namespace {

// Sets every group's lr to `lr` (the Learner's default when absent) and returns the values.
std::vector<double> group_lrs(Learner& learn, const std::optional<HyperValue>& lr) {
  learn.opt().set_hyper("lr", lr ? *lr : HyperValue(learn.lr()));
  std::vector<double> out;
  for (const auto& h : learn.opt().hypers()) out.push_back(h.at("lr"));
  return out;
}

// Each value of `v` divided by `div`.
std::vector<double> divided(const std::vector<double>& v, double div) {
  std::vector<double> out;
  for (double x : v) out.push_back(x / div);
  return out;
}

// fit with the keywords of `o` and a ParamScheduler for `scheds` before its callbacks.
template <typename Options>
void fit_scheduled(Learner& learn, int n_epoch, std::map<std::string, Schedule> scheds, const Options& o) {
  FitOptions fit = fit_keywords(o);
  std::vector<CallbackPtr> cbs{std::make_shared<ParamScheduler>(std::move(scheds))};
  cbs.insert(cbs.end(), o.cbs().begin(), o.cbs().end());
  learn.fit(n_epoch, std::nullopt, fit.cbs(std::move(cbs)));
}

}  // namespace

void Learner::fit_one_cycle(int n_epoch_, std::optional<HyperValue> lr_max, const OneCycleOptions& o) {
  if (o.reset_opt() || !has_opt()) create_opt();
  const std::vector<double> top = group_lrs(*this, lr_max);
  const std::vector<double> moms = o.moms().value_or(options().moms());
  STRATA_CHECK(moms.size() == 3, "fit_one_cycle: moms needs 3 values (start, middle, end), got {}", moms.size());
  fit_scheduled(*this, n_epoch_,
                {{"lr", combined_cos(o.pct_start(), divided(top, o.div()), top, divided(top, o.div_final()))},
                 {"mom", combined_cos(o.pct_start(), {moms[0]}, {moms[1]}, {moms[2]})}},
                OneCycleOptions(o).reset_opt(false));
}

void Learner::fit_flat_cos(int n_epoch_, std::optional<HyperValue> lr, const FlatCosOptions& o) {
  if (o.reset_opt() || !has_opt()) create_opt();
  const std::vector<double> top = group_lrs(*this, lr);
  const double pct = o.pct_start();
  fit_scheduled(*this, n_epoch_,
                {{"lr", combine_scheds({pct, 1 - pct}, {SchedNo(top, top), SchedCos(top, divided(top, o.div_final()))})}},
                FlatCosOptions(o).reset_opt(false));
}

void Learner::fit_sgdr(int n_cycles, int cycle_len, std::optional<HyperValue> lr_max, const SgdrOptions& o) {
  STRATA_CHECK(n_cycles > 0 && cycle_len > 0 && o.cycle_mult() > 0, "fit_sgdr: arguments must be positive");
  if (o.reset_opt() || !has_opt()) create_opt();
  const std::vector<double> top = group_lrs(*this, lr_max);
  int n_epoch_ = 0;
  std::vector<int> lengths;
  for (int i = 0, len = cycle_len; i < n_cycles; ++i, len *= o.cycle_mult()) {
    lengths.push_back(len);
    n_epoch_ += len;
  }
  std::vector<double> pcts;
  std::vector<Schedule> cycles;
  for (int len : lengths) {
    pcts.push_back(static_cast<double>(len) / n_epoch_);
    cycles.push_back(SchedCos(top, std::vector<double>(top.size(), 0.0)));
  }
  fit_scheduled(*this, n_epoch_, {{"lr", combine_scheds(pcts, cycles)}}, SgdrOptions(o).reset_opt(false));
}

void Learner::fine_tune(int epochs, double base_lr, const FineTuneOptions& o) {
  const auto phase = [&](double pct_start, double div) {
    return OneCycleOptions()
        .pct_start(pct_start)
        .div(div)
        .div_final(o.div_final())
        .moms(o.moms())
        .wd(o.wd())
        .cbs(o.cbs())
        .reset_opt(o.reset_opt())
        .start_epoch(o.start_epoch());
  };
  freeze();
  fit_one_cycle(o.freeze_epochs(), slice(base_lr), phase(0.99, OneCycleOptions().div()));
  base_lr /= 2;
  unfreeze();
  fit_one_cycle(epochs, slice(base_lr / o.lr_mult(), base_lr), phase(o.pct_start(), o.div()));
}

}  // namespace strata
