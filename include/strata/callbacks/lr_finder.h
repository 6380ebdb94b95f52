#pragma once
/// fastai lr_find (callback/schedule.py): LRFinder, which Learner::lr_find runs for num_it batches
/// with an exponentially growing lr (defined in src/callbacks/lr_finder.cpp), and the suggestion
/// functions that read the recorded curve.

#include <vector>

#include "strata/learner/callback.h"
#include "strata/learner/fit_options.h"

namespace strata {

/// fastai LRFinder (order 60): exponential lr per batch, stops on divergence (smoothed loss above
/// 4x its best, or NaN) or after num_it batches; no validation.
class LRFinder : public Callback {
 public:
  explicit LRFinder(const LRFindOptions& o) : o_(o) {}
  std::string name() const override { return "lr_finder"; }
  int order() const override { return 60; }
  bool run_valid() const override { return false; }
  void before_fit(Learner& l) override;
  void before_batch(Learner& l) override;
  void after_batch(Learner& l) override;
  void before_validate(Learner& l) override;

 private:
  LRFindOptions o_;
  double best_ = 0;
};

/// fastai's lr_find suggestion functions on recorded (lr, smoothed loss) points.
double suggest_valley(const std::vector<double>& lrs, const std::vector<double>& losses);
double suggest_slide(const std::vector<double>& lrs, const std::vector<double>& losses, int lr_diff = 15,
                     double thresh = 0.005, double adjust_value = 1.0);
double suggest_minimum(const std::vector<double>& lrs, const std::vector<double>& losses);
double suggest_steep(const std::vector<double>& lrs, const std::vector<double>& losses);

}  // namespace strata
