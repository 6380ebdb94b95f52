#pragma once
/// The export recipes of the vision layer's models: what vision_learner, unet_learner and a
/// Siamese model record so that load_learner can build them again (see strata/learner/export.h).
/// Their builders are registered with the library (src/vision/vision_registry.cpp).

#include <cstdint>
#include <string>
#include <utility>

#include "strata/learner/export.h"
#include "strata/models/create_head.h"
#include "strata/models/unet.h"
#include "strata/models/vision_model.h"

namespace strata {

/// The recipes vision_learner and unet_learner record (the arguments their models were made with).
ModelRecipe vision_recipe(const std::string& arch, std::int64_t n_out, const VisionModelOptions& options);
ModelRecipe unet_recipe(const std::string& arch, std::int64_t n_out, std::pair<int64_t, int64_t> img_size,
                        const UnetOptions& options, std::int64_t n_in);

/// The recipe of fastai's Siamese model: encoder = create_body(arch, cut), head =
/// create_head(2 * features, n_out, head), as examples/pets_siamese builds it.
ModelRecipe siamese_recipe(const std::string& arch, std::int64_t n_out, std::int64_t cut = -2,
                           const HeadOptions& head = {});

}  // namespace strata
