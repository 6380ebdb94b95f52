#include "strata/callbacks/schedule.h"

#include "strata/learner/learner.h"
#include "strata/learner/recorder.h"

namespace strata {

void ParamScheduler::before_fit(Learner&) { hps_.clear(); }

void ParamScheduler::before_batch(Learner& l) {
  for (const auto& [name, sched] : scheds_) l.opt().set_hyper(name, HyperValue(sched(l.pct_train)));
}

void ParamScheduler::after_batch(Learner& l) {
  for (const auto& [name, sched] : scheds_) hps_[name].push_back(l.opt().hypers().back().at(name));
}

void ParamScheduler::after_fit(Learner& l) { l.recorder().hps = hps_; }

}  // namespace strata
