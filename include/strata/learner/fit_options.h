#pragma once
/// The keyword arguments of fastai's fit-like calls, one options struct per call. Every one of
/// them takes fastai's common four (`wd`, `cbs`, `reset_opt`, `start_epoch`), so a call reads
/// `learn.fit_one_cycle(5, 1e-3, OneCycleOptions().pct_start(0.3).wd(0.1).cbs({saver}))`.

#include <optional>
#include <vector>

#include <torch/arg.h>

#include "strata/learner/callback.h"

namespace strata {

/// fastai's arguments shared by fit, fit_one_cycle, fit_flat_cos, fit_sgdr and fine_tune.
#define STRATA_FIT_KEYWORDS                                                                        \
  /** weight decay for this fit (nullopt: LearnerOptions::wd, else the optimizer's default) */     \
  TORCH_ARG(std::optional<double>, wd) = std::nullopt;                                             \
  /** callbacks added for this fit only */                                                         \
  TORCH_ARG(std::vector<CallbackPtr>, cbs) = {};                                                   \
  /** a new optimizer (fresh state) instead of the current one */                                  \
  TORCH_ARG(bool, reset_opt) = false;                                                              \
  /** resume: skip epochs before this one (their schedule position still counts) */                \
  TORCH_ARG(int, start_epoch) = 0

/// fastai fit(n_epoch, lr, wd, cbs, reset_opt, start_epoch).
struct FitOptions {
  STRATA_FIT_KEYWORDS;
};

/// The common four of any fit-like call's options, for the fit it makes.
template <typename Options>
FitOptions fit_keywords(const Options& o) {
  return FitOptions().wd(o.wd()).cbs(o.cbs()).reset_opt(o.reset_opt()).start_epoch(o.start_epoch());
}

/// fastai fit_one_cycle(n_epoch, lr_max, div=25, div_final=1e5, pct_start=0.25, moms, ...).
struct OneCycleOptions {
  TORCH_ARG(double, div) = 25.0;
  TORCH_ARG(double, div_final) = 1e5;
  TORCH_ARG(double, pct_start) = 0.25;
  /// nullopt: the Learner's moms
  TORCH_ARG(std::optional<std::vector<double>>, moms) = std::nullopt;
  STRATA_FIT_KEYWORDS;
};

/// fastai fit_flat_cos(n_epoch, lr, div_final=1e5, pct_start=0.75, ...).
struct FlatCosOptions {
  TORCH_ARG(double, div_final) = 1e5;
  TORCH_ARG(double, pct_start) = 0.75;
  STRATA_FIT_KEYWORDS;
};

/// fastai fit_sgdr(n_cycles, cycle_len, lr_max, cycle_mult=2, ...).
struct SgdrOptions {
  TORCH_ARG(int, cycle_mult) = 2;
  STRATA_FIT_KEYWORDS;
};

/// fastai fine_tune(epochs, base_lr, freeze_epochs=1, lr_mult=100, pct_start=0.3, div=5,
/// div_final=1e5, moms, ...): the keywords apply to both phases.
struct FineTuneOptions {
  TORCH_ARG(int, freeze_epochs) = 1;
  TORCH_ARG(double, lr_mult) = 100.0;
  TORCH_ARG(double, pct_start) = 0.3;
  TORCH_ARG(double, div) = 5.0;
  TORCH_ARG(double, div_final) = 1e5;
  TORCH_ARG(std::optional<std::vector<double>>, moms) = std::nullopt;
  STRATA_FIT_KEYWORDS;
};

/// fastai lr_find(start_lr=1e-7, end_lr=10, num_it=100, stop_div=True).
struct LRFindOptions {
  TORCH_ARG(double, start_lr) = 1e-7;
  TORCH_ARG(double, end_lr) = 10.0;
  TORCH_ARG(int, num_it) = 100;
  TORCH_ARG(bool, stop_div) = true;
};

/// fastai SuggestedLRs, one per suggestion function.
struct SuggestedLRs {
  double valley = 0, slide = 0, minimum = 0, steep = 0;
};

}  // namespace strata
