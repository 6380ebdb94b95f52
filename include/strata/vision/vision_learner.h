#pragma once
/// fastai vision_learner: a pretrained body with a new head, the architecture's splitter and
/// normalisation, frozen when pretrained.

#include <string>

#include <torch/arg.h>

#include "strata/core/stats.h"
#include "strata/learner/learner.h"
#include "strata/models/vision_model.h"

namespace strata {

struct VisionLearnerOptions {
  /// add Normalize with the architecture's statistics when pretrained (fastai normalize)
  TORCH_ARG(bool, normalize) = true;
  /// number of outputs (0: the number of classes of the data, fastai get_c)
  TORCH_ARG(int64_t, n_out) = 0;
  /// the model: pretrained, weights file, cut, n_in, head options (fastai's model arguments)
  TORCH_ARG(VisionModelOptions, model) = {};
  /// the Learner's options (loss, metrics, lr, callbacks, wd, ...); the splitter defaults to the
  /// architecture's (model_meta)
  TORCH_ARG(LearnerOptions, learner) = {};
};

/// Adds Normalize(stats) to both loaders' after_batch unless one is there (fastai _add_norm).
void add_normalize(DataLoaders& dls, const Stats& stats);

/// fastai vision_learner(dls, arch, ...): create_vision_model + Learner with model_meta's
/// splitter; adds Normalize(stats) to the loaders' after_batch when pretrained and none is there;
/// calls freeze() when pretrained.
std::unique_ptr<Learner> vision_learner(DataLoaders dls, const std::string& arch, VisionLearnerOptions options = {});

}  // namespace strata
