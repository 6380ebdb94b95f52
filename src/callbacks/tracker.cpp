#include "strata/callbacks/tracker.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <torch/torch.h>

#include "strata/core/error.h"
#include "strata/core/logging.h"
#include "strata/learner/learner.h"
#include "strata/learner/recorder.h"

#include <spdlog/spdlog.h>

namespace strata {

TrackerCallback::TrackerCallback(std::string monitor, double min_delta)
    : monitor_(std::move(monitor)), min_delta_(min_delta),
      lower_is_better_(monitor_.find("loss") != std::string::npos || monitor_.find("error") != std::string::npos) {}

void TrackerCallback::before_fit(Learner& l) {
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
    : TrackerCallback(std::move(monitor), min_delta), patience_(patience) {}

void EarlyStoppingCallback::before_fit(Learner& l) {
  TrackerCallback::before_fit(l);
  wait_ = 0;
}

void EarlyStoppingCallback::after_epoch(Learner& l) {
  if (improved(l)) {
    wait_ = 0;
    return;
  }
  if (++wait_ >= patience_) {
    if (l.logging) *l.out << fmt::format("No improvement since epoch {}: early stopping\n", l.epoch - wait_);
    throw CancelFit();
  }
}

ReduceLROnPlateau::ReduceLROnPlateau(std::string monitor, double min_delta, int patience, double factor, double min_lr)
    : TrackerCallback(std::move(monitor), min_delta), patience_(patience), factor_(factor), min_lr_(min_lr) {
  STRATA_CHECK(factor > 1 && patience > 0, "ReduceLROnPlateau: need factor > 1 and patience > 0");
}

void ReduceLROnPlateau::before_fit(Learner& l) {
  TrackerCallback::before_fit(l);
  wait_ = 0;
}

void ReduceLROnPlateau::after_epoch(Learner& l) {
  if (improved(l)) {
    wait_ = 0;
    return;
  }
  if (++wait_ < patience_) return;
  std::vector<double> lrs;
  for (const auto& h : l.opt().hypers()) lrs.push_back(std::max(h.at("lr") / factor_, min_lr_));
  l.opt().set_hyper("lr", HyperValue(lrs));
  wait_ = 0;
  if (l.logging) *l.out << fmt::format("Epoch {}: reducing lr to {}\n", l.epoch, lrs.back());
}

GradientAccumulation::GradientAccumulation(int n_acc) : n_acc_(n_acc) {
  STRATA_CHECK(n_acc > 0, "GradientAccumulation: n_acc must be positive, got {}", n_acc);
}

void GradientAccumulation::after_loss(Learner& l) {
  const auto bs = l.yb.empty() ? 1 : l.yb[0].tensor().size(0);
  l.loss_grad = l.loss_grad / (static_cast<double>(n_acc_) / static_cast<double>(bs));
}

void GradientAccumulation::before_step(Learner& l) {
  count_ += static_cast<int>(l.yb.empty() ? 1 : l.yb[0].tensor().size(0));
  if (count_ < n_acc_) throw CancelBatch();  // keep accumulating: no step, no zero_grad
  count_ = 0;
}

CSVLogger::CSVLogger(std::string fname, bool append) : fname_(std::move(fname)), append_(append) {}

void CSVLogger::before_fit(Learner& l) {
  file_ = (l.options().path() / fname_).string();
  if (!l.is_main_process()) return;  // rank 0 writes the file
  const bool header = !append_ || !std::filesystem::exists(file_);
  std::ofstream out(file_, append_ ? std::ios::app : std::ios::trunc);
  STRATA_CHECK_IO(static_cast<bool>(out), "CSVLogger: cannot write '{}'", file_);
  if (header) {
    // fastai's columns without "time": the file is for analysis, not for reading progress.
    const auto& names = l.recorder().metric_names;
    for (std::size_t i = 0; i + 1 < names.size(); ++i) out << (i ? "," : "") << names[i];
    out << "\n";
  }
}

void CSVLogger::after_epoch(Learner& l) {
  if (!l.is_main_process()) return;
  std::ofstream out(file_, std::ios::app);
  STRATA_CHECK_IO(static_cast<bool>(out), "CSVLogger: cannot write '{}'", file_);
  out << l.epoch;
  for (const auto& v : l.recorder().final_record()) out << "," << (v ? fmt::format("{:.6f}", *v) : std::string());
  out << "\n";
}

void GradientClip::before_step(Learner& l) {
  std::vector<torch::Tensor> params;
  for (const auto& p : l.module().parameters())
    if (p.grad().defined()) params.push_back(p);
  torch::nn::utils::clip_grad_norm_(params, max_norm_);
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
