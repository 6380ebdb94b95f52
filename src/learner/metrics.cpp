#include "strata/learner/metrics.h"

#include <ATen/ATen.h>
#include <torch/torch.h>

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

namespace {

// fastai AccumMetric: keeps every prediction and target of the epoch, evaluates once.
class EpochMetric : public Metric {
 public:
  using Fn = std::function<std::optional<double>(const at::Tensor& pred, const at::Tensor& target)>;
  EpochMetric(std::string name, Fn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  void reset() override {
    preds_.clear();
    targets_.clear();
  }
  void accumulate(const at::Tensor& pred, const at::Tensor& target) override {
    preds_.push_back(pred.detach());
    targets_.push_back(target.detach());
  }
  std::optional<double> value() const override {
    if (preds_.empty()) return std::nullopt;
    return fn_(at::cat(preds_).to(at::kCPU), at::cat(targets_).to(at::kCPU).reshape({-1}));
  }

 private:
  std::string name_;
  Fn fn_;
  std::vector<at::Tensor> preds_, targets_;
};

// Per-class true positives, predicted positives and actual positives.
std::tuple<at::Tensor, at::Tensor, at::Tensor> counts(const at::Tensor& pred, const at::Tensor& target) {
  const int64_t c = pred.size(-1);
  const at::Tensor p = at::one_hot(pred.argmax(-1).reshape({-1}), c).to(at::kDouble);
  const at::Tensor t = at::one_hot(target.to(at::kLong), c).to(at::kDouble);
  return {(p * t).sum(0), p.sum(0), t.sum(0)};
}

std::optional<double> combine(const at::Tensor& num, const at::Tensor& den, Average average) {
  const at::Tensor ratio = torch::where(den > 0, num / den.clamp_min(1e-300), torch::zeros_like(num));
  if (average == Average::Binary) return ratio.size(0) > 1 ? ratio[1].item<double>() : ratio[0].item<double>();
  return ratio.mean().item<double>();
}

MetricPtr precision_like(const char* name, Average average, int which) {
  return std::make_shared<EpochMetric>(
      std::string(name) + (average == Average::Macro ? "_macro" : ""),
      [average, which](const at::Tensor& pred, const at::Tensor& target) -> std::optional<double> {
        auto [tp, predicted, actual] = counts(pred, target);
        if (which == 0) return combine(tp, predicted, average);
        if (which == 1) return combine(tp, actual, average);
        return combine(2 * tp, predicted + actual, average);  // F1 = 2 tp / (2 tp + fp + fn)
      });
}

}  // namespace

namespace {

class ForegroundAccMetric : public Metric {
 public:
  ForegroundAccMetric(int64_t bkg, std::optional<int64_t> void_idx) : bkg_(bkg), void_(void_idx) {}
  std::string name() const override { return void_ ? "acc_no_void" : "foreground_acc"; }
  void reset() override {
    total_ = at::Tensor();
    count_ = 0;
  }
  void accumulate(const at::Tensor& pred, const at::Tensor& target) override {
    const at::Tensor t = target.dim() == pred.dim() ? target.squeeze(1) : target;
    at::Tensor mask = t != bkg_;
    if (void_) mask = mask & (t != *void_);
    const at::Tensor hits = (pred.argmax(1) == t).masked_select(mask).to(at::kDouble);
    const at::Tensor acc = hits.numel() ? hits.mean() : at::zeros({}, hits.options());
    const int64_t bs = t.size(0);
    total_ = total_.defined() ? total_ + acc * static_cast<double>(bs) : acc * static_cast<double>(bs);
    count_ += bs;
  }
  std::optional<double> value() const override {
    if (count_ == 0) return std::nullopt;
    return total_.item<double>() / static_cast<double>(count_);
  }

 private:
  int64_t bkg_;
  std::optional<int64_t> void_;
  at::Tensor total_;
  int64_t count_ = 0;
};

}  // namespace

MetricPtr ForegroundAcc(int64_t bkg_idx, std::optional<int64_t> void_idx) {
  return std::make_shared<ForegroundAccMetric>(bkg_idx, void_idx);
}

MetricPtr Precision(Average average) { return precision_like("precision_score", average, 0); }
MetricPtr Recall(Average average) { return precision_like("recall_score", average, 1); }
MetricPtr F1Score(Average average) { return precision_like("f1_score", average, 2); }

MetricPtr RocAucBinary() {
  return std::make_shared<EpochMetric>("roc_auc_score", [](const at::Tensor& pred, const at::Tensor& target) -> std::optional<double> {
    const at::Tensor score = pred.dim() == 2 && pred.size(1) == 2 ? at::softmax(pred.to(at::kDouble), 1).select(1, 1)
                                                                    : pred.reshape({-1}).to(at::kDouble);
    const at::Tensor pos = target.to(at::kBool);
    const auto n_pos = pos.sum().item<int64_t>(), n_neg = pos.numel() - n_pos;
    if (n_pos == 0 || n_neg == 0) return std::nullopt;
    // Mann-Whitney U: average ranks (ties share their mean rank).
    const at::Tensor order = score.argsort();
    const at::Tensor sorted = score.index_select(0, order);
    at::Tensor ranks = at::empty_like(score);
    const auto* sv = sorted.data_ptr<double>();
    const auto* ov = order.data_ptr<int64_t>();
    auto* rv = ranks.data_ptr<double>();
    for (int64_t i = 0; i < score.numel();) {
      int64_t j = i;
      while (j + 1 < score.numel() && sv[j + 1] == sv[i]) ++j;
      const double r = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
      for (int64_t k = i; k <= j; ++k) rv[ov[k]] = r;
      i = j + 1;
    }
    const double rank_sum = ranks.masked_select(pos).sum().item<double>();
    return (rank_sum - static_cast<double>(n_pos) * (n_pos + 1) / 2.0) / (static_cast<double>(n_pos) * n_neg);
  });
}

MetricPtr Dice(bool multi) { return std::make_shared<DiceMetric>(multi, false); }
MetricPtr JaccardCoeff() { return std::make_shared<DiceMetric>(false, true); }

}  // namespace strata
