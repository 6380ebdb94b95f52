#pragma once
/// fastai create_body / cut_model: keep a pretrained model's layers up to the cut, optionally
/// rewiring the first convolution for n_in != 3 input channels.

#include <functional>
#include <optional>

#include <torch/arg.h>

#include "strata/models/sequential.h"

#include "strata/models/resnet.h"

namespace strata {

struct BodyOptions {
  /// input channels; != 3 replaces the first conv (fastai _update_first_layer)
  TORCH_ARG(int64_t, n_in) = 3;
  /// whether the model holds pretrained weights: then the new first conv's weights are derived
  /// from the old ones (1 channel: sum; 2: first two x 1.5; > 3: copy three, zero the rest)
  TORCH_ARG(bool, pretrained) = true;
  /// keep children [0, cut) (negative counts from the end, like Python); nullopt: up to the last
  /// child that contains a pooling layer (excluded), i.e. -2 for a ResNet
  TORCH_ARG(std::optional<int64_t>, cut) = std::nullopt;
  /// a custom cut instead of an index (fastai: cut may be a callable)
  TORCH_ARG(std::function<Sequential(const LayerList&)>, cut_fn) = nullptr;
};

/// fastai cut_model: Sequential of children [0, cut), renamed "0", "1", ... (sharing the modules).
Sequential cut_model(const LayerList& layers, int64_t cut);

/// True when `module` is a pooling layer or contains one (fastai has_pool_type).
bool has_pool_type(const torch::nn::Module& module);

/// fastai create_body(model, n_in, pretrained, cut): the body shares the model's modules, so
/// load weights into the full model first. Throws ValueError for a bad cut or n_in.
Sequential create_body(const LayerList& layers, const BodyOptions& options = {});
inline Sequential create_body(const ResNet& model, const BodyOptions& options = {}) {
  return create_body(model->layers(), options);
}
inline Sequential create_body(const Sequential& model, const BodyOptions& options = {}) {
  return create_body(layer_list(model), options);
}

}  // namespace strata
