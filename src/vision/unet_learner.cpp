#include "strata/vision/unet_learner.h"

#include "strata/core/error.h"
#include "strata/vision/recipes.h"
#include "strata/models/model_meta.h"
#include "strata/vision/vision_learner.h"

namespace strata {

std::unique_ptr<Learner> unet_learner(DataLoaders dls, const std::string& arch, UnetLearnerOptions o) {
  const ModelMeta& meta = model_meta(arch);
  const int64_t n_out = o.n_out() > 0 ? o.n_out() : static_cast<int64_t>(dls.c());
  STRATA_CHECK(n_out > 0, "unet_learner: the data has no codes; pass n_out");
  if (o.normalize() && o.pretrained() && meta.stats && o.n_in() == static_cast<int64_t>(meta.stats->mean.size()))
    add_normalize(dls, *meta.stats);
  // fastai: img_size = dls.one_batch()[0].shape[-2:], the size after the batch transforms.
  const auto x = dls.one_batch().at(0).tensor();
  STRATA_CHECK(x.dim() == 4, "unet_learner: expected image batches [N, C, H, W], got {}", shape_str(x.sizes()));
  auto model = create_unet_model(arch, n_out, {x.size(2), x.size(3)}, o.pretrained(), o.weights(), o.unet(), o.n_in());
  LearnerOptions lo = o.learner();
  if (!lo.loss_func()) lo.loss_func(CrossEntropyLossFlat(1));
  if (!lo.splitter()) lo.splitter(unet_split);
  auto learn = std::make_unique<Learner>(std::move(dls), model, lo);
  learn->set_recipe(unet_recipe(arch, n_out, {x.size(2), x.size(3)}, o.unet(), o.n_in()));
  if (o.pretrained()) learn->freeze();
  return learn;
}

}  // namespace strata
