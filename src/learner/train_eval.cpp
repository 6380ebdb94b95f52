#include "train_eval.h"

#include <ATen/Context.h>

#include "strata/core/malloc_tuning.h"
#include "strata/learner/learner.h"

namespace strata::detail {

void TrainEvalCallback::before_fit(Learner& l) {
  l.epoch = 0;
  l.train_iter = 0;
  l.pct_train = 0;
  l.module().to(l.dls().device());
  if (l.dls().device().is_cuda() && l.options().cudnn_benchmark()) at::globalContext().setBenchmarkCuDNN(true);
  if (l.options().tune_malloc()) tune_cpu_allocator();
}

void TrainEvalCallback::before_train(Learner& l) {
  l.pct_train = static_cast<double>(l.epoch) / l.n_epoch;
  l.module().train();
  l.training = true;
}

void TrainEvalCallback::after_batch(Learner& l) {
  l.pct_train += 1.0 / (static_cast<double>(l.n_iter) * l.n_epoch);
  l.train_iter += 1;
}

void TrainEvalCallback::before_validate(Learner& l) {
  l.module().eval();
  l.training = false;
}

}  // namespace strata::detail
