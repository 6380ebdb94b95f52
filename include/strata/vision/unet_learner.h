#pragma once
/// fastai unet_learner: a DynamicUnet on a pretrained encoder for segmentation.

#include <string>

#include <torch/arg.h>

#include "strata/learner/learner.h"
#include "strata/models/unet.h"

namespace strata {

struct UnetLearnerOptions {
  TORCH_ARG(bool, normalize) = true;
  /// classes (0: the data's codes, fastai get_c)
  TORCH_ARG(int64_t, n_out) = 0;
  /// use pretrained encoder weights (`weights`, or the architecture's default file)
  TORCH_ARG(bool, pretrained) = true;
  TORCH_ARG(std::string, weights) = "";
  TORCH_ARG(int64_t, n_in) = 3;
  TORCH_ARG(UnetOptions, unet) = {};
  /// loss defaults to CrossEntropyLossFlat(axis=1), the splitter to unet_split
  TORCH_ARG(LearnerOptions, learner) = {};
};

/// fastai unet_learner(dls, arch, ...): img_size from one training batch, create_unet_model,
/// Normalize added when pretrained, frozen when pretrained.
std::unique_ptr<Learner> unet_learner(DataLoaders dls, const std::string& arch, UnetLearnerOptions options = {});

}  // namespace strata
