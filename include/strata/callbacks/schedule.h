#pragma once
/// fastai ParamScheduler (order 60): sets scheduled hyper-parameters before every training batch.

#include <map>
#include <string>

#include "strata/callbacks/callback.h"
#include "strata/learner/schedule.h"

namespace strata {

class ParamScheduler : public Callback {
 public:
  explicit ParamScheduler(std::map<std::string, Schedule> scheds) : scheds_(std::move(scheds)) {}
  std::string name() const override { return "param_scheduler"; }
  int order() const override { return 60; }
  bool run_valid() const override { return false; }
  void before_fit(Learner& l) override;
  void before_batch(Learner& l) override;
  void after_batch(Learner& l) override;
  void after_fit(Learner& l) override;

 private:
  std::map<std::string, Schedule> scheds_;
  std::map<std::string, std::vector<double>> hps_;
};

}  // namespace strata
