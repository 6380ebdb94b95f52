#pragma once
/// fastai ProgressCallback (order 60), a default callback of every Learner: the epoch table, and a
/// live progress bar on a terminal for training, validation and evaluation (validate, get_preds).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "strata/learner/callback.h"

namespace strata {

/// "|#####-----| done/total", `width` characters of bar.
std::string progress_bar(std::size_t done, std::size_t total, int width = 40);

/// Redraws at most every 0.2 s (fastprogress's update_every), so the bar's loss read-back does not
/// stall a GPU on every batch.
class ProgressCallback : public Callback {
 public:
  /// `live_bar`: draw the bar on `learn.out` always (true), never (false), or only when that is
  /// std::cout on a terminal (nullopt, the default).
  explicit ProgressCallback(std::optional<bool> live_bar = std::nullopt) : live_bar_(live_bar) {}
  std::string name() const override { return "progress"; }
  int order() const override { return 60; }
  void before_fit(Learner& l) override;
  void after_fit(Learner&) override { in_fit_ = false; }
  void before_train(Learner& l) override { start_bar(l); }
  void before_validate(Learner& l) override { start_bar(l); }
  void after_batch(Learner& l) override;
  void after_train(Learner& l) override { end_bar(l); }
  void after_validate(Learner& l) override { end_bar(l); }

 private:
  void start_bar(Learner& l);
  void end_bar(Learner& l);
  std::optional<bool> live_bar_;
  bool in_fit_ = false;
  bool bar_ = false;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace strata
