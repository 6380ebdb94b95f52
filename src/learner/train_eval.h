#pragma once
// fastai TrainEvalCallback (order -10), a default callback of every Learner: positions, modes and
// the model's device.

#include "strata/learner/callback.h"

namespace strata::detail {

class TrainEvalCallback : public Callback {
 public:
  std::string name() const override { return "train_eval"; }
  int order() const override { return -10; }
  bool run_valid() const override { return false; }
  void before_fit(Learner& l) override;
  void before_train(Learner& l) override;
  void after_batch(Learner& l) override;
  void before_validate(Learner& l) override;
};

}  // namespace strata::detail
