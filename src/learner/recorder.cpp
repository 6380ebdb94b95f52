#include "strata/learner/recorder.h"

#include <cmath>

#include <torch/torch.h>

#include "strata/learner/learner.h"

namespace strata {

void AvgSmoothLoss::accumulate(double loss) {
  ++count_;
  val_ = beta_ * val_ + (1 - beta_) * loss;
}

double AvgSmoothLoss::value() const {
  return count_ ? val_ / (1 - std::pow(beta_, static_cast<double>(count_))) : 0.0;
}

void Recorder::before_fit(Learner& l) {
  lrs.clear();
  losses.clear();
  values.clear();
  iters.clear();
  hps.clear();
  smooth_.reset();
  metric_names = {"epoch", "train_loss", "valid_loss"};
  for (const auto& m : l.metrics()) metric_names.push_back(m->name());
  metric_names.push_back("time");
}

void Recorder::before_epoch(Learner&) {
  start_ = std::chrono::steady_clock::now();
  row_.clear();
  train_done_ = valid_done_ = false;
}

void Recorder::before_validate(Learner& l) {
  valid_total_ = at::Tensor();
  valid_count_ = 0;
  for (auto& m : l.metrics()) m->reset();
}

void Recorder::after_batch(Learner& l) {
  if (l.yb.empty()) return;
  if (l.training) {
    // No .item() here: on a GPU that would wait for every batch to finish before queuing the next.
    pending_losses_.push_back(l.loss.detach().reshape({}));
    lrs.push_back(l.opt().hypers().back().at("lr"));
    if (pending_losses_.size() >= 1024) read_back_losses();  // bounds the memory of long epochs
    return;
  }
  const auto& target = l.yb[0].tensor();
  const std::int64_t bs = target.dim() ? target.size(0) : 1;
  const at::Tensor weighted = l.loss.detach().to(at::kDouble) * static_cast<double>(bs);
  valid_total_ = valid_total_.defined() ? valid_total_ + weighted : weighted;
  valid_count_ += bs;
  for (auto& m : l.metrics()) m->accumulate(l.pred, target);
}

void Recorder::read_back_losses() {
  if (pending_losses_.empty()) return;
  const at::Tensor values = at::stack(pending_losses_).to(at::kCPU, at::kDouble).contiguous();
  pending_losses_.clear();
  const double* v = values.data_ptr<double>();
  for (std::int64_t i = 0; i < values.numel(); ++i) {
    smooth_.accumulate(v[i]);
    losses.push_back(smooth_.value());
  }
}

double Recorder::smooth_loss() {
  read_back_losses();
  return smooth_.value();
}

std::pair<double, std::int64_t> Recorder::valid_totals() const {
  return {valid_total_.defined() ? valid_total_.item<double>() : 0.0, valid_count_};
}

void Recorder::set_valid_totals(double total, std::int64_t count) {
  valid_total_ = at::scalar_tensor(total, at::kDouble);
  valid_count_ = count;
}

void Recorder::after_cancel_train(Learner&) {
  read_back_losses();
  train_done_ = false;
}

void Recorder::after_train(Learner&) {
  read_back_losses();
  row_.push_back(smooth_.count() ? std::optional<double>(smooth_.value()) : std::nullopt);
  train_done_ = true;
}

void Recorder::after_cancel_validate(Learner&) { valid_done_ = false; }

void Recorder::after_validate(Learner& l) {
  if (!train_done_) row_.push_back(std::nullopt);
  const double valid_total = valid_totals().first;  // the one read-back of the validation loss
  last_validation_ = {valid_count_ ? std::optional<double>(valid_total / static_cast<double>(valid_count_)) : std::nullopt};
  for (auto& m : l.metrics()) last_validation_.push_back(m->value());
  row_.insert(row_.end(), last_validation_.begin(), last_validation_.end());
  valid_done_ = true;
}

void Recorder::after_fit(Learner&) { read_back_losses(); }

void Recorder::after_epoch(Learner& l) {
  while (row_.size() < metric_names.size() - 2) row_.push_back(std::nullopt);
  values.push_back(row_);
  iters.push_back(smooth_.count());
  if (!l.logging) return;
  std::vector<std::string> cells{std::to_string(l.epoch)};
  for (const auto& v : row_) cells.push_back(v ? fmt::format("{:.6f}", *v) : std::string(""));
  cells.push_back(format_time(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count()));
  l.logger(cells);
}

std::vector<std::optional<double>> Recorder::final_record() const {
  return values.empty() ? std::vector<std::optional<double>>{} : values.back();
}

std::string format_table_header(const std::vector<std::string>& header) {
  std::string out;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i) out += "  ";
    out += fmt::format("{:<8}", header[i]);
  }
  return out;
}

std::string format_table_row(const std::vector<std::string>& cells, const std::vector<std::string>& header) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const std::size_t width = i < header.size() ? std::max<std::size_t>(8, header[i].size()) : 8;
    out += cells[i] + std::string(2 + width - std::min(width, cells[i].size()), ' ');
  }
  return out;
}

std::string format_time(double seconds) {
  const auto t = static_cast<long>(seconds);
  const long h = t / 3600, m = (t / 60) % 60, s = t % 60;
  return h > 0 ? fmt::format("{}:{:02d}:{:02d}", h, m, s) : fmt::format("{:02d}:{:02d}", m, s);
}

}  // namespace strata
