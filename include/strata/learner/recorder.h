#pragma once
/// fastai's Recorder (order 50): smoothed training loss, validation loss and metrics, lrs and
/// moms, and the epoch table.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "strata/learner/callback.h"

namespace strata {

/// fastai AvgSmoothLoss(beta=0.98): debiased exponential moving average of batch losses.
class AvgSmoothLoss {
 public:
  explicit AvgSmoothLoss(double beta = 0.98) : beta_(beta) {}
  void reset() { count_ = 0, val_ = 0; }
  void accumulate(double loss);
  double value() const;
  std::int64_t count() const { return count_; }

 private:
  double beta_;
  std::int64_t count_ = 0;
  double val_ = 0;
};

class Recorder : public Callback {
 public:
  std::string name() const override { return "recorder"; }
  int order() const override { return 50; }

  void before_fit(Learner& l) override;
  void before_epoch(Learner& l) override;
  void before_validate(Learner& l) override;
  void after_batch(Learner& l) override;
  void after_cancel_train(Learner& l) override;
  void after_train(Learner& l) override;
  void after_cancel_validate(Learner& l) override;
  void after_validate(Learner& l) override;
  void after_epoch(Learner& l) override;

  void after_fit(Learner& l) override;

  /// The smoothed training loss now. Batch losses stay on their device during training and are
  /// read back together (one device sync per epoch, or when this is called).
  double smooth_loss();

  /// Column names: epoch, train_loss, valid_loss, metrics..., time.
  std::vector<std::string> metric_names;
  /// Last group's lr and the smoothed loss, per training batch (complete after each epoch's
  /// training phase; smooth_loss() brings `losses` up to date mid-epoch).
  std::vector<double> lrs, losses;
  /// Per epoch: [train_loss, valid_loss, metrics...] (nullopt where cancelled or empty).
  std::vector<std::vector<std::optional<double>>> values;
  /// Training batches seen at the end of each epoch.
  std::vector<std::int64_t> iters;
  /// Scheduled hyper-parameters per batch (filled by ParamScheduler).
  std::map<std::string, std::vector<double>> hps;
  /// The last epoch's [train_loss, valid_loss, metrics...].
  std::vector<std::optional<double>> final_record() const;
  /// [valid_loss, metrics...] of the last validation phase, in a fit or in validate().
  const std::vector<std::optional<double>>& last_validation() const { return last_validation_; }
  /// The validation loss sums so far (sum of loss x batch size, and items).
  std::pair<double, std::int64_t> valid_totals() const;
  /// Replaces them before after_validate reads them (data-parallel training sums every rank's).
  void set_valid_totals(double total, std::int64_t count);

 private:
  void read_back_losses();

  AvgSmoothLoss smooth_;
  // Detached batch losses not read back yet, on the model's device.
  std::vector<at::Tensor> pending_losses_;
  // Sum of loss x batch size over the validation batches, on the device until after_validate.
  at::Tensor valid_total_;
  std::int64_t valid_count_ = 0;
  std::vector<std::optional<double>> row_, last_validation_;
  bool train_done_ = false, valid_done_ = false;
  std::chrono::steady_clock::time_point start_;
};

/// fastai's console table: a header and rows with fastai's column widths.
std::string format_table_row(const std::vector<std::string>& cells, const std::vector<std::string>& header);
std::string format_table_header(const std::vector<std::string>& header);
/// "mm:ss" (or "h:mm:ss"), fastai format_time.
std::string format_time(double seconds);

}  // namespace strata
