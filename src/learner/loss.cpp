#include "strata/learner/loss.h"

#include <ATen/ATen.h>

#include "strata/core/error.h"

namespace strata {

Loss::Loss(std::string name, Fn mean, Fn per_item, Map activation, Map decodes)
    : name_(std::move(name)), mean_(std::move(mean)), per_item_(std::move(per_item)), activation_(std::move(activation)),
      decodes_(std::move(decodes)) {
  STRATA_CHECK(static_cast<bool>(mean_), "Loss '{}': needs a loss function", name_);
}

at::Tensor Loss::per_item(const at::Tensor& pred, const at::Tensor& target) const {
  if (per_item_) return per_item_(pred, target);
  std::vector<at::Tensor> out;
  for (int64_t i = 0; i < pred.size(0); ++i) out.push_back(mean_(pred.narrow(0, i, 1), target.narrow(0, i, 1)));
  return at::stack(out);
}

namespace {

// fastai BaseLoss: move `axis` last, flatten to [-1, C] (is_2d) or [-1].
at::Tensor flat_input(const at::Tensor& x, int axis, bool is_2d) {
  at::Tensor moved = (axis == -1 || axis == x.dim() - 1) ? x : x.transpose(axis, -1).contiguous();
  return is_2d ? moved.reshape({-1, moved.size(-1)}) : moved.reshape({-1});
}

// The target is transposed like the input (fastai BaseLoss), so flattened positions line up.
at::Tensor flat_target(const at::Tensor& t, int axis) {
  const bool move = axis != -1 && t.dim() > 1 && axis < t.dim();
  return (move ? t.transpose(axis, -1).contiguous() : t).reshape({-1});
}

at::Tensor long_target(const at::Tensor& t, const at::Tensor& pred, int axis = -1) {
  STRATA_CHECK(!t.is_floating_point(),
               "CrossEntropyLossFlat: targets must be class indices (integers), got {} {} for predictions {}",
               c10::toString(t.scalar_type()), shape_str(t.sizes()), shape_str(pred.sizes()));
  return flat_target(t.to(at::kLong), axis);
}

void check_count(const at::Tensor& input, const at::Tensor& target, const char* who) {
  STRATA_CHECK(input.size(0) == target.size(0), "{}: {} predictions for {} targets", who, input.size(0), target.size(0));
}

int64_t class_axis(const at::Tensor& x, int axis) { return axis < 0 ? x.dim() + axis : axis; }

}  // namespace

Loss CrossEntropyLossFlat(int axis, std::optional<at::Tensor> weight, int64_t ignore_index) {
  auto compute = [=](const at::Tensor& pred, const at::Tensor& target, int64_t reduction) {
    at::Tensor input = flat_input(pred, axis, true);
    at::Tensor t = long_target(target, pred, axis);
    check_count(input, t, "CrossEntropyLossFlat");
    const at::Tensor w = weight ? weight->to(pred.device(), pred.scalar_type()) : at::Tensor();
    return at::nll_loss(at::log_softmax(input, 1), t, w, reduction, ignore_index);
  };
  return Loss(
      "CrossEntropyLossFlat", [compute](const at::Tensor& p, const at::Tensor& t) { return compute(p, t, at::Reduction::Mean); },
      [compute](const at::Tensor& p, const at::Tensor& t) {
        // One loss per item: the mean of each item's per-element losses (pixels for segmentation).
        return compute(p, t, at::Reduction::None).view({p.size(0), -1}).mean(1);
      },
      [axis](const at::Tensor& p) { return at::softmax(p, class_axis(p, axis)); },
      [axis](const at::Tensor& p) { return p.argmax(class_axis(p, axis)); })
      .with_args({{"axis", axis}, {"ignore_index", static_cast<double>(ignore_index)}});
}

Loss BCEWithLogitsLossFlat(int axis, double thresh, std::optional<at::Tensor> pos_weight) {
  auto compute = [=](const at::Tensor& pred, const at::Tensor& target, int64_t reduction) {
    at::Tensor input = flat_input(pred, axis, false);
    at::Tensor t = flat_target(target.to(pred.scalar_type()), axis);
    check_count(input, t, "BCEWithLogitsLossFlat");
    const at::Tensor pw = pos_weight ? pos_weight->to(pred.device(), pred.scalar_type()) : at::Tensor();
    return at::binary_cross_entropy_with_logits(input, t, at::Tensor(), pw, reduction);
  };
  return Loss(
      "BCEWithLogitsLossFlat", [compute](const at::Tensor& p, const at::Tensor& t) { return compute(p, t, at::Reduction::Mean); },
      [compute](const at::Tensor& p, const at::Tensor& t) {
        return compute(p, t, at::Reduction::None).view({p.size(0), -1}).mean(1);
      },
      [](const at::Tensor& p) { return at::sigmoid(p); }, [thresh](const at::Tensor& p) { return p > thresh; })
      .with_args({{"axis", axis}, {"thresh", thresh}});
}

Loss MSELossFlat(int axis) {
  auto compute = [=](const at::Tensor& pred, const at::Tensor& target, int64_t reduction) {
    at::Tensor input = flat_input(pred, axis, false);
    at::Tensor t = flat_target(target.to(pred.scalar_type()), axis);
    check_count(input, t, "MSELossFlat");
    return at::mse_loss(input, t, reduction);
  };
  return Loss("MSELossFlat", [compute](const at::Tensor& p, const at::Tensor& t) { return compute(p, t, at::Reduction::Mean); },
              [compute](const at::Tensor& p, const at::Tensor& t) {
                return compute(p, t, at::Reduction::None).view({p.size(0), -1}).mean(1);
              })
      .with_args({{"axis", axis}});
}

Loss LabelSmoothingCrossEntropy(double eps) {
  STRATA_CHECK(eps >= 0 && eps < 1, "LabelSmoothingCrossEntropy: eps must be in [0, 1), got {}", eps);
  auto per_item = [eps](const at::Tensor& pred, const at::Tensor& target) {
    const at::Tensor log_preds = at::log_softmax(pred, -1);
    const auto c = static_cast<double>(pred.size(-1));
    const at::Tensor smooth = -log_preds.sum(-1);
    const at::Tensor nll = at::nll_loss(log_preds, long_target(target, pred), {}, at::Reduction::None);
    return smooth * (eps / c) + nll * (1 - eps);
  };
  return Loss("LabelSmoothingCrossEntropy",
              [per_item](const at::Tensor& p, const at::Tensor& t) { return per_item(p, t).mean(); }, per_item,
              [](const at::Tensor& p) { return at::softmax(p, -1); }, [](const at::Tensor& p) { return p.argmax(-1); })
      .with_args({{"eps", eps}});
}

}  // namespace strata
