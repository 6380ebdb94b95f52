#include "strata/callbacks/tracker.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <spdlog/spdlog.h>

#include "strata/core/error.h"
#include "strata/core/logging.h"
#include "strata/learner/learner.h"

namespace strata {

TrackerCallback::TrackerCallback(std::string monitor, double min_delta, int patience)
    : monitor_(std::move(monitor)), min_delta_(min_delta),
      lower_is_better_(monitor_.find("loss") != std::string::npos || monitor_.find("error") != std::string::npos),
      patience_(patience) {
  STRATA_CHECK(patience > 0, "TrackerCallback: patience must be positive, got {}", patience);
}

void TrackerCallback::before_fit(Learner& l) {
  wait_ = 0;
  best_ = lower_is_better_ ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  const auto& names = l.recorder().metric_names;
  STRATA_CHECK_KEY(std::find(names.begin() + 1, names.end() - 1, monitor_) != names.end() - 1,
                   "{}: '{}' is not recorded (recorded: train_loss, valid_loss and the metrics)", name(), monitor_);
}

bool TrackerCallback::improved(Learner& l) {
  const auto& names = l.recorder().metric_names;
  const auto col = static_cast<std::size_t>(std::find(names.begin() + 1, names.end(), monitor_) - names.begin() - 1);
  const auto record = l.recorder().final_record();
  if (col >= record.size() || !record[col]) return false;
  const double v = *record[col];
  const bool better = lower_is_better_ ? v < best_ - min_delta_ : v > best_ + min_delta_;
  if (better) best_ = v;
  return better;
}

bool TrackerCallback::patience_exhausted(Learner& l) {
  if (improved(l)) {
    wait_ = 0;
    return false;
  }
  return ++wait_ >= patience_;
}

SaveModelCallback::SaveModelCallback(std::string monitor, std::string fname, bool every_epoch, bool with_opt)
    : TrackerCallback(std::move(monitor)), fname_(std::move(fname)), every_epoch_(every_epoch), with_opt_(with_opt) {}

void SaveModelCallback::after_epoch(Learner& l) {
  if (every_epoch_) {
    l.save(fmt::format("{}_{}", fname_, l.epoch), with_opt_);
    return;
  }
  if (improved(l)) {
    if (l.logging) *l.out << fmt::format("Better model found at epoch {} with {} value: {}.\n", l.epoch, monitor_, best_);
    l.save(fname_, with_opt_);
    saved_ = true;
  }
}

void SaveModelCallback::after_fit(Learner& l) {
  if (!every_epoch_ && saved_) l.load(fname_, with_opt_);
}

EarlyStoppingCallback::EarlyStoppingCallback(std::string monitor, double min_delta, int patience)
    : TrackerCallback(std::move(monitor), min_delta, patience) {}

void EarlyStoppingCallback::after_epoch(Learner& l) {
  if (!patience_exhausted(l)) return;
  if (l.logging) *l.out << fmt::format("No improvement since epoch {}: early stopping\n", l.epoch - wait_);
  throw CancelFit();
}

ReduceLROnPlateau::ReduceLROnPlateau(std::string monitor, double min_delta, int patience, double factor, double min_lr)
    : TrackerCallback(std::move(monitor), min_delta, patience), factor_(factor), min_lr_(min_lr) {
  STRATA_CHECK(factor > 1, "ReduceLROnPlateau: factor must be above 1, got {}", factor);
}

void ReduceLROnPlateau::after_epoch(Learner& l) {
  if (!patience_exhausted(l)) return;
  std::vector<double> lrs;
  for (const auto& h : l.opt().hypers()) lrs.push_back(std::max(h.at("lr") / factor_, min_lr_));
  l.opt().set_hyper("lr", HyperValue(lrs));
  wait_ = 0;
  if (l.logging) *l.out << fmt::format("Epoch {}: reducing lr to {}\n", l.epoch, lrs.back());
}

void TerminateOnNaNCallback::after_batch(Learner& l) {
  if (!l.loss.defined()) return;
  const double v = l.loss.item<double>();
  if (std::isfinite(v)) return;
  reason_ = fmt::format("the loss is {} at epoch {}, batch {}", v, l.epoch, l.iter);
  logger()->error("TerminateOnNaN: {}; training stops", reason_);
  throw CancelFit();
}

}  // namespace strata
