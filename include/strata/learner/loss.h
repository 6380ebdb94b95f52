#pragma once
/// fastai's flattened losses (fastai/losses.py): the loss, its per-item form, and the activation
/// and decoding that get_preds / predict apply.

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <ATen/core/Tensor.h>

namespace strata {

class Loss {
 public:
  using Fn = std::function<at::Tensor(const at::Tensor& pred, const at::Tensor& target)>;
  using Map = std::function<at::Tensor(const at::Tensor&)>;

  Loss() = default;
  /// `mean`: the reduced loss backpropagated in training; `per_item`: one loss per item (for
  /// interpretation; defaults to `mean` of each item). activation/decodes default to identity.
  Loss(std::string name, Fn mean, Fn per_item = nullptr, Map activation = nullptr, Map decodes = nullptr);

  at::Tensor operator()(const at::Tensor& pred, const at::Tensor& target) const { return mean_(pred, target); }
  at::Tensor per_item(const at::Tensor& pred, const at::Tensor& target) const;
  at::Tensor activation(const at::Tensor& pred) const { return activation_ ? activation_(pred) : pred; }
  at::Tensor decodes(const at::Tensor& pred) const { return decodes_ ? decodes_(pred) : pred; }
  const std::string& name() const { return name_; }
  /// The scalar arguments the loss was made with (axis, thresh, ...): what export records so
  /// load_learner can make the same activation and decodes again.
  const std::map<std::string, double>& args() const { return args_; }
  Loss& with_args(std::map<std::string, double> args) {
    args_ = std::move(args);
    return *this;
  }
  explicit operator bool() const { return static_cast<bool>(mean_); }

 private:
  std::string name_;
  Fn mean_, per_item_;
  Map activation_, decodes_;
  std::map<std::string, double> args_;
};

/// fastai CrossEntropyLossFlat(axis=-1, weight, ignore_index=-100, label_smoothing 0): class
/// scores on `axis` (1 for segmentation [B, C, H, W]) are moved last and flattened; integer
/// targets of any width become int64. Activation softmax(axis), decodes argmax(axis).
Loss CrossEntropyLossFlat(int axis = -1, std::optional<at::Tensor> weight = std::nullopt, int64_t ignore_index = -100);

/// fastai BCEWithLogitsLossFlat(axis=-1, thresh=0.5, pos_weight): float targets, flattened.
/// Activation sigmoid, decodes sigmoid output > thresh.
Loss BCEWithLogitsLossFlat(int axis = -1, double thresh = 0.5, std::optional<at::Tensor> pos_weight = std::nullopt);

/// fastai MSELossFlat(axis=-1): mean squared error on flattened float tensors.
Loss MSELossFlat(int axis = -1);

/// fastai LabelSmoothingCrossEntropy(eps=0.1): eps/c * (-sum log_softmax) + (1 - eps) * NLL.
Loss LabelSmoothingCrossEntropy(double eps = 0.1);

}  // namespace strata
