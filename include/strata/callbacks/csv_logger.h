#pragma once
/// fastai CSVLogger (fastai/callback/progress.py): the epoch table written as CSV.

#include <string>

#include "strata/learner/callback.h"

namespace strata {

/// fastai CSVLogger(fname='history.csv', append=False): the epoch table as CSV in path/fname.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string fname = "history.csv", bool append = false);
  std::string name() const override { return "csv_logger"; }
  int order() const override { return 60; }
  void before_fit(Learner& l) override;
  void after_epoch(Learner& l) override;

 private:
  std::string fname_;
  bool append_;
  std::string file_;
};

}  // namespace strata
