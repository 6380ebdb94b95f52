#include "strata/learner/metrics.h"

#include <ATen/ATen.h>

#include "strata/core/error.h"

namespace strata {

void AvgMetric::reset() {
  total_ = at::Tensor();
  count_ = 0;
}

void AvgMetric::accumulate(const at::Tensor& pred, const at::Tensor& target) {
  const int64_t bs = target.dim() > 0 ? target.size(0) : 1;
  at::Tensor v = fn_(pred, target).detach().to(at::kDouble) * static_cast<double>(bs);
  total_ = total_.defined() ? total_ + v : v;  // stays on the device: no sync per batch
  count_ += bs;
}

std::optional<double> AvgMetric::value() const {
  if (count_ == 0) return std::nullopt;
  return total_.item<double>() / static_cast<double>(count_);
}

namespace detail {

at::Tensor accuracy(const at::Tensor& pred, const at::Tensor& target) {
  const at::Tensor p = pred.argmax(-1).reshape({-1});
  const at::Tensor t = target.reshape({-1});
  STRATA_CHECK(p.numel() == t.numel(), "accuracy: {} predictions for {} targets", p.numel(), t.numel());
  return (p == t).to(at::kFloat).mean();
}

at::Tensor error_rate(const at::Tensor& pred, const at::Tensor& target) { return 1 - accuracy(pred, target); }

at::Tensor top_5_accuracy(const at::Tensor& pred, const at::Tensor& target) { return top_k_accuracy(pred, target, 5); }

at::Tensor foreground_acc(const at::Tensor& pred, const at::Tensor& target) {
  at::Tensor t = target.dim() == pred.dim() ? target.squeeze(1) : target;
  const at::Tensor mask = t != 0;
  const at::Tensor hits = (pred.argmax(1) == t).masked_select(mask);
  return hits.numel() ? hits.to(at::kFloat).mean() : at::zeros({}, pred.options().dtype(at::kFloat));
}

}  // namespace detail

at::Tensor top_k_accuracy(const at::Tensor& pred, const at::Tensor& target, int64_t k) {
  const int64_t kk = std::min<int64_t>(k, pred.size(-1));
  const at::Tensor topk = std::get<1>(pred.topk(kk, -1));
  return (topk == target.reshape({-1, 1})).any(-1).to(at::kFloat).mean();
}

namespace {

class DiceMetric : public Metric {
 public:
  explicit DiceMetric(bool multi, bool jaccard) : multi_(multi), jaccard_(jaccard) {}
  std::string name() const override { return jaccard_ ? "jaccard_coeff" : (multi_ ? "dice_multi" : "dice"); }
  void reset() override {
    inter_.clear();
    union_.clear();
  }
  void accumulate(const at::Tensor& pred, const at::Tensor& target) override {
    const at::Tensor p = pred.argmax(1).reshape({-1});
    const at::Tensor t = (target.dim() == pred.dim() ? target.squeeze(1) : target).reshape({-1});
    if (!multi_) {
      add(0, (p * t).sum(), (p + t).sum());
      return;
    }
    for (int64_t c = 0; c < pred.size(1); ++c) {
      const at::Tensor pc = p == c, tc = t == c;
      add(static_cast<std::size_t>(c), (pc & tc).sum(), pc.sum() + tc.sum());
    }
  }
  std::optional<double> value() const override {
    if (inter_.empty()) return std::nullopt;
    double sum = 0;
    int n = 0;
    for (std::size_t c = 0; c < inter_.size(); ++c) {
      const double i = inter_[c].item<double>(), u = union_[c].item<double>();
      if (u == 0) continue;
      sum += jaccard_ ? i / (u - i) : 2.0 * i / u;
      ++n;
    }
    if (n == 0) return std::nullopt;
    return sum / n;
  }

 private:
  void add(std::size_t c, const at::Tensor& i, const at::Tensor& u) {
    if (inter_.size() <= c) {
      inter_.resize(c + 1);
      union_.resize(c + 1);
    }
    inter_[c] = inter_[c].defined() ? inter_[c] + i.to(at::kDouble) : i.to(at::kDouble);
    union_[c] = union_[c].defined() ? union_[c] + u.to(at::kDouble) : u.to(at::kDouble);
  }
  bool multi_, jaccard_;
  std::vector<at::Tensor> inter_, union_;
};

}  // namespace

MetricPtr Dice(bool multi) { return std::make_shared<DiceMetric>(multi, false); }
MetricPtr JaccardCoeff() { return std::make_shared<DiceMetric>(false, true); }

}  // namespace strata
