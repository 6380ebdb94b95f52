#pragma once
/// fastai's metrics (fastai/metrics.py): batch-size-weighted averages over the validation set,
/// accumulated on the device and read once per epoch.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace strata {

class Metric {
 public:
  virtual ~Metric() = default;
  virtual std::string name() const = 0;
  virtual void reset() = 0;
  /// One batch's predictions and targets.
  virtual void accumulate(const at::Tensor& pred, const at::Tensor& target) = 0;
  /// The epoch's value (nullopt when nothing was accumulated).
  virtual std::optional<double> value() const = 0;
};
using MetricPtr = std::shared_ptr<Metric>;

/// A per-batch metric function with its fastai name; callable like the function it names.
struct MetricFn {
  const char* name;
  at::Tensor (*fn)(const at::Tensor& pred, const at::Tensor& target);
  at::Tensor operator()(const at::Tensor& pred, const at::Tensor& target) const { return fn(pred, target); }
};

/// fastai AvgMetric(func): sum(func(batch) * bs) / sum(bs).
class AvgMetric : public Metric {
 public:
  explicit AvgMetric(MetricFn fn) : fn_(fn) {}
  std::string name() const override { return fn_.name; }
  void reset() override;
  void accumulate(const at::Tensor& pred, const at::Tensor& target) override;
  std::optional<double> value() const override;

 private:
  MetricFn fn_;
  at::Tensor total_;
  std::int64_t count_ = 0;
};

/// What Learner's `metrics` accepts: a MetricFn (wrapped in AvgMetric) or any Metric.
class MetricSpec {
 public:
  MetricSpec(MetricFn fn) : metric_(std::make_shared<AvgMetric>(fn)) {}  // NOLINT: implicit on purpose
  MetricSpec(MetricPtr metric) : metric_(std::move(metric)) {}           // NOLINT
  template <typename M, typename = std::enable_if_t<std::is_base_of_v<Metric, M>>>
  MetricSpec(std::shared_ptr<M> metric) : metric_(std::move(metric)) {}  // NOLINT
  const MetricPtr& get() const { return metric_; }

 private:
  MetricPtr metric_;
};

namespace detail {
at::Tensor accuracy(const at::Tensor& pred, const at::Tensor& target);
at::Tensor error_rate(const at::Tensor& pred, const at::Tensor& target);
at::Tensor top_5_accuracy(const at::Tensor& pred, const at::Tensor& target);
at::Tensor foreground_acc(const at::Tensor& pred, const at::Tensor& target);
}  // namespace detail

/// fastai accuracy: mean of argmax(pred, -1) == target.
inline constexpr MetricFn accuracy{"accuracy", &detail::accuracy};
/// fastai error_rate: 1 - accuracy.
inline constexpr MetricFn error_rate{"error_rate", &detail::error_rate};
/// fastai top_k_accuracy with k = 5.
inline constexpr MetricFn top_5_accuracy{"top_k_accuracy", &detail::top_5_accuracy};
/// fastai foreground_acc(bkg_idx=0, axis=1) for segmentation: accuracy on non-background pixels.
inline constexpr MetricFn foreground_acc{"foreground_acc", &detail::foreground_acc};

/// fastai foreground_acc(bkg_idx) with a void code as in fastai's CamVid example (acc_camvid):
/// accuracy on pixels that are neither background nor void, averaged like AvgMetric.
MetricPtr ForegroundAcc(int64_t bkg_idx = 0, std::optional<int64_t> void_idx = std::nullopt);

/// fastai top_k_accuracy(k): fraction of rows whose target is among the top k scores.
at::Tensor top_k_accuracy(const at::Tensor& pred, const at::Tensor& target, int64_t k);

/// fastai Dice(axis=1) (binary segmentation) accumulated over the epoch; with `multi`, DiceMulti
/// (mean over classes of per-class Dice, classes absent from both ignored).
MetricPtr Dice(bool multi = false);
/// How Precision / Recall / F1 combine classes: the positive class 1 of a binary task, or the
/// unweighted mean over classes (sklearn's average='binary' / 'macro').
enum class Average { Binary, Macro };
/// fastai Precision / Recall / F1Score (sklearn-backed in fastai): computed once over the whole
/// epoch from argmax predictions.
MetricPtr Precision(Average average = Average::Binary);
MetricPtr Recall(Average average = Average::Binary);
MetricPtr F1Score(Average average = Average::Binary);
/// fastai RocAucBinary: area under the ROC curve of the softmax score of class 1 (ties averaged).
MetricPtr RocAucBinary();

/// fastai JaccardCoeff(axis=1): inter / (union - inter) over the epoch.
MetricPtr JaccardCoeff();

}  // namespace strata
