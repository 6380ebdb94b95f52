#include "strata/transforms/pipeline.h"

#include <algorithm>

#include "strata/core/error.h"

namespace strata {

Pipeline::Pipeline(std::vector<TransformPtr> transforms) { add(std::move(transforms)); }

void Pipeline::add(std::vector<TransformPtr> more) {
  for (std::size_t i = 0; i < more.size(); ++i) {
    STRATA_CHECK(more[i] != nullptr, "Pipeline: transform #{} is null", i);
    transforms_.push_back(std::move(more[i]));
  }
  sort();
}

void Pipeline::sort() {
  std::stable_sort(transforms_.begin(), transforms_.end(),
                   [](const TransformPtr& a, const TransformPtr& b) { return a->order() < b->order(); });
}

Item Pipeline::operator()(Item item, TransformContext& ctx) const {
  for (const auto& t : transforms_) item = (*t)(std::move(item), ctx);
  return item;
}

Item Pipeline::decode(Item item) const {
  for (auto it = transforms_.rbegin(); it != transforms_.rend(); ++it) item = (*it)->decode(std::move(item));
  return item;
}

void Pipeline::setup(const ItemsView& raw_training_items, std::uint64_t seed) {
  for (std::size_t k = 0; k < transforms_.size(); ++k) {
    // The view for transform k applies transforms [0, k) lazily: only transforms whose setup
    // iterates (e.g. Categorize) pay for the items.
    ItemsView view{raw_training_items.size, [this, k, seed, &raw_training_items](std::size_t i) {
                     Rng rng(derive_seed({seed, i}));
                     TransformContext ctx{Split::Train, &rng};
                     const Item raw = raw_training_items.get(i);
                     try {
                       Item item = raw;
                       for (std::size_t j = 0; j < k; ++j) item = (*transforms_[j])(std::move(item), ctx);
                       return item;
                     } catch (...) {
                       // e.g. a label function that throws: say which item, before training starts
                       rethrow_with_context(fmt::format("setting up '{}' on training item {} {}: ",
                                                        transforms_[k]->name(), i, describe(raw)));
                     }
                   }};
    transforms_[k]->setup(view);
  }
}

}  // namespace strata
