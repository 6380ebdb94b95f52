#include "strata/vision/vision_learner.h"

#include "strata/core/error.h"
#include "strata/vision/recipes.h"
#include "strata/models/model_meta.h"
#include "strata/vision/tensor_transforms.h"

namespace strata {

void add_normalize(DataLoaders& dls, const Stats& stats) {
  for (const auto& t : dls.train().options().after_batch().transforms())
    if (dynamic_cast<const Normalize*>(t.get()) != nullptr) return;
  dls.add_after_batch({Normalize::from_stats(stats)});
}

std::unique_ptr<Learner> vision_learner(DataLoaders dls, const std::string& arch, VisionLearnerOptions o) {
  const ModelMeta& meta = model_meta(arch);
  const int64_t n_out = o.n_out() > 0 ? o.n_out() : static_cast<int64_t>(dls.c());
  STRATA_CHECK(n_out > 0, "vision_learner: the data has no classes (no Categorize); pass n_out");
  const bool pretrained = o.model().pretrained();
  if (o.normalize() && pretrained && meta.stats && o.model().n_in() == static_cast<int64_t>(meta.stats->mean.size()))
    add_normalize(dls, *meta.stats);
  auto model = create_vision_model(arch, n_out, o.model());
  LearnerOptions lo = o.learner();
  if (!lo.splitter()) lo.splitter(meta.split);  // fastai: splitter or meta['split']
  auto learn = std::make_unique<Learner>(std::move(dls), model, lo);
  // A custom head is code, not arguments: such a model needs its own recipe to be exported.
  if (!o.model().custom_head()) learn->set_recipe(vision_recipe(arch, n_out, o.model()));
  if (pretrained) learn->freeze();
  return learn;
}

}  // namespace strata
