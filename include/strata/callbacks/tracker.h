#pragma once
/// fastai/callback/tracker.py: TrackerCallback and the callbacks that follow a recorded value
/// (SaveModel, EarlyStopping, ReduceLROnPlateau), and TerminateOnNaN.

#include <limits>
#include <string>

#include "strata/learner/callback.h"

namespace strata {

/// fastai TrackerCallback(monitor='valid_loss', min_delta=0): follows one recorded value.
/// Lower is better when the name contains "loss" or "error", higher otherwise.
class TrackerCallback : public Callback {
 public:
  explicit TrackerCallback(std::string monitor = "valid_loss", double min_delta = 0.0, int patience = 1);
  int order() const override { return 60; }
  void before_fit(Learner& l) override;
  /// Reads the monitored value after the epoch; true when it improved on the best.
  bool improved(Learner& l);
  /// Reads it too, counting the epochs without improvement: true once `patience` have passed.
  bool patience_exhausted(Learner& l);
  double best() const { return best_; }

 protected:
  std::string monitor_;
  double min_delta_;
  bool lower_is_better_;
  double best_ = 0;
  int patience_, wait_ = 0;
};

/// fastai SaveModelCallback(monitor, fname='model', every_epoch=False): saves the model when the
/// monitored value improves (path/model_dir/fname.pth) and reloads the best at the end.
class SaveModelCallback : public TrackerCallback {
 public:
  explicit SaveModelCallback(std::string monitor = "valid_loss", std::string fname = "model", bool every_epoch = false,
                             bool with_opt = false);
  std::string name() const override { return "save_model"; }
  int order() const override { return 61; }
  void after_epoch(Learner& l) override;
  void after_fit(Learner& l) override;

 private:
  std::string fname_;
  bool every_epoch_, with_opt_;
  bool saved_ = false;
};

/// fastai EarlyStoppingCallback(monitor, min_delta, patience=1): stops after `patience` epochs
/// without improvement.
class EarlyStoppingCallback : public TrackerCallback {
 public:
  explicit EarlyStoppingCallback(std::string monitor = "valid_loss", double min_delta = 0.0, int patience = 1);
  std::string name() const override { return "early_stopping"; }
  int order() const override { return 63; }
  void after_epoch(Learner& l) override;
};

/// fastai ReduceLROnPlateau(monitor, min_delta, patience=1, factor=10, min_lr=0): divides every
/// group's lr by `factor` after `patience` epochs without improvement.
class ReduceLROnPlateau : public TrackerCallback {
 public:
  explicit ReduceLROnPlateau(std::string monitor = "valid_loss", double min_delta = 0.0, int patience = 1,
                             double factor = 10.0, double min_lr = 0.0);
  std::string name() const override { return "reduce_lr_on_plateau"; }
  int order() const override { return 62; }
  void after_epoch(Learner& l) override;

 private:
  double factor_, min_lr_;
};

/// fastai TerminateOnNaNCallback (order -9): stops training when the loss is NaN or infinite,
/// naming the epoch and batch.
class TerminateOnNaNCallback : public Callback {
 public:
  std::string name() const override { return "terminate_on_nan"; }
  int order() const override { return -9; }
  bool run_valid() const override { return false; }
  void after_batch(Learner& l) override;
  /// Where training stopped ("" when it did not).
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

}  // namespace strata
