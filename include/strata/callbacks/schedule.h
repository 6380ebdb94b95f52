#pragma once
/// fastai/callback/schedule.py: the annealing functions and schedule combinators, ParamScheduler
/// (order 60), which sets scheduled hyper-parameters before every training batch, and the fit
/// calls built on them (Learner::fit_one_cycle, fit_flat_cos, fit_sgdr, fine_tune: see
/// src/callbacks/fit_schedules.cpp).

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "strata/learner/callback.h"

namespace strata {


/// A schedule maps the training position pos in [0, 1] to one value per parameter group.
using Schedule = std::function<std::vector<double>(double pos)>;

/// start + pos * (end - start), per group.
Schedule SchedLin(std::vector<double> start, std::vector<double> end);
/// start + (1 + cos(pi * (1 - pos))) * (end - start) / 2, per group.
Schedule SchedCos(std::vector<double> start, std::vector<double> end);
/// start, whatever pos.
Schedule SchedNo(std::vector<double> start, std::vector<double> end);
/// start * (end / start)^pos.
Schedule SchedExp(std::vector<double> start, std::vector<double> end);
/// start + (end - start) * pos^power.
Schedule SchedPoly(std::vector<double> start, std::vector<double> end, double power);

/// fastai combine_scheds(pcts, scheds): phase i covers a fraction pcts[i] of training (they sum to
/// 1). Phase boundaries and the position inside a phase are computed in float32, as fastai does.
Schedule combine_scheds(std::vector<double> pcts, std::vector<Schedule> scheds);

/// fastai combined_cos(pct, start, middle, end): cosine start -> middle over pct, then middle -> end.
Schedule combined_cos(double pct, std::vector<double> start, std::vector<double> middle, std::vector<double> end);

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
