#pragma once
/// fastai create_vision_model / add_head: a pretrained body with a new head, Sequential(body, head).

#include <optional>
#include <string>

#include <torch/arg.h>

#include "strata/models/sequential.h"

#include "strata/models/create_body.h"
#include "strata/models/create_head.h"

namespace strata {

struct VisionModelOptions {
  /// load pretrained weights into the architecture before cutting it (fastai pretrained)
  TORCH_ARG(bool, pretrained) = true;
  /// the weight file (.pth zip/legacy or .safetensors, torchvision names); empty: the
  /// architecture's default torchvision file from the PyTorch cache, downloaded when missing
  TORCH_ARG(std::string, weights) = "";
  /// fastai cut (nullopt: model_meta's)
  TORCH_ARG(std::optional<int64_t>, cut) = std::nullopt;
  /// input channels (fastai n_in)
  TORCH_ARG(int64_t, n_in) = 3;
  /// kaiming_normal the head's linear layers (fastai init=kaiming_normal_; false: init=None)
  TORCH_ARG(bool, init) = true;
  /// the head's options (fastai lin_ftrs, ps, concat_pool, ...)
  TORCH_ARG(HeadOptions, head) = {};
  /// a head to use instead of create_head (fastai custom_head)
  TORCH_ARG(Sequential, custom_head) = nullptr;
};

/// fastai add_head: Sequential(body, head) with head = custom or create_head(nf, n_out, options),
/// initialised with apply_init when `init`.
Sequential add_head(Sequential body, int64_t nf, int64_t n_out, const HeadOptions& options = {},
                               bool init = true, Sequential custom_head = nullptr);

/// fastai create_vision_model(arch, n_out, ...): the architecture from model_meta, its weights
/// (when pretrained), create_body with the meta's cut, num_features_model, add_head.
/// `[B, n_in, H, W] -> [B, n_out]`.
Sequential create_vision_model(const std::string& arch, int64_t n_out,
                                          const VisionModelOptions& options = {});

/// The pretrained weight file of `arch`: the PyTorch cache copy of its torchvision file,
/// downloaded first when missing (see download.h).
std::string pretrained_weights_file(const std::string& arch);

}  // namespace strata
