#pragma once
/// fastcore's Pipeline: transforms sorted by `order`, applied in turn; decode in reverse.

#include <vector>

#include "strata/transforms/transform.h"

namespace strata {

class Pipeline {
 public:
  Pipeline() = default;
  /// Sorts `transforms` by order (stable: ties keep the given order). Null entries are an error.
  explicit Pipeline(std::vector<TransformPtr> transforms);

  /// Applies every transform that runs on `ctx.split`, lowest order first.
  Item operator()(Item item, TransformContext& ctx) const;
  /// Runs every decodes in reverse order (for display: back to uint8 images and label names).
  Item decode(Item item) const;

  /// fastai's Pipeline.setup: each transform is set up on the training items as encoded by the
  /// transforms before it (training context; item i draws from Rng(derive_seed({seed, i}))).
  void setup(const ItemsView& raw_training_items, std::uint64_t seed = 0);

  /// Adds transforms and re-sorts.
  void add(std::vector<TransformPtr> more);

  const std::vector<TransformPtr>& transforms() const { return transforms_; }
  bool empty() const { return transforms_.empty(); }
  std::size_t size() const { return transforms_.size(); }

 private:
  void sort();
  std::vector<TransformPtr> transforms_;
};

}  // namespace strata
