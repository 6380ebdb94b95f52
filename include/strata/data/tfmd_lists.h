#pragma once
/// fastai TfmdLists and Datasets: raw items, transformed lazily on access, split into subsets.

#include <memory>
#include <vector>

#include "strata/data/item_source.h"
#include "strata/data/items.h"
#include "strata/data/splitters.h"
#include "strata/transforms/pipeline.h"

namespace strata {

/// Raw items as Text values holding the paths (what get_image_files gives).
std::vector<Item> path_items(const Paths& paths);

/// fastai TfmdLists(items, tfms, splits): one pipeline applied to each raw item. The pipeline is
/// set up on the training subset at construction (e.g. Categorize builds its vocab there).
class TfmdLists {
 public:
  TfmdLists(std::vector<Item> items, Pipeline tfms, Splits splits, std::uint64_t seed = 0);
  TfmdLists(const Paths& items, Pipeline tfms, Splits splits, std::uint64_t seed = 0)
      : TfmdLists(path_items(items), std::move(tfms), std::move(splits), seed) {}

  std::size_t size() const { return state_->items.size(); }
  /// Raw item `i` transformed as an item of `split` (random transforms draw from `ctx.rng`).
  Item get(std::size_t i, TransformContext& ctx) const;
  const Item& raw(std::size_t i) const;
  const Splits& splits() const { return state_->splits; }
  const Pipeline& tfms() const { return state_->tfms; }

  /// The training (validation) subset as a DataLoader source (fastai tls.train / tls.valid).
  ItemSourcePtr train() const { return subset(Split::Train); }
  ItemSourcePtr valid() const { return subset(Split::Valid); }
  ItemSourcePtr subset(Split split) const;

 private:
  struct State {
    std::vector<Item> items;
    Pipeline tfms;
    Splits splits;
  };
  std::shared_ptr<State> state_;
};

/// fastai Datasets(items, tfms=[x_tfms, y_tfms], splits): one pipeline per output; item i is the
/// concatenation of every pipeline's result on raw item i, e.g. (image, category).
class Datasets {
 public:
  Datasets(std::vector<Item> items, std::vector<Pipeline> tfms, Splits splits, std::uint64_t seed = 0);
  Datasets(const Paths& items, std::vector<Pipeline> tfms, Splits splits, std::uint64_t seed = 0)
      : Datasets(path_items(items), std::move(tfms), std::move(splits), seed) {}

  std::size_t size() const { return state_->items.size(); }
  Item get(std::size_t i, TransformContext& ctx) const;
  const Item& raw(std::size_t i) const;
  const Splits& splits() const { return state_->splits; }
  const std::vector<Pipeline>& tfms() const { return state_->tfms; }
  /// Number of outputs (pipelines).
  std::size_t n_outputs() const { return state_->tfms.size(); }

  ItemSourcePtr train() const { return subset(Split::Train); }
  ItemSourcePtr valid() const { return subset(Split::Valid); }
  ItemSourcePtr subset(Split split) const;

 private:
  struct State {
    std::vector<Item> items;
    std::vector<Pipeline> tfms;
    Splits splits;
  };
  std::shared_ptr<State> state_;
};

/// Checks `splits` against `n` items: indices in range, both subsets non-empty. ValueError naming
/// the problem (an empty validation set, index 12 of 10 items, ...).
void check_splits(const Splits& splits, std::size_t n, const char* who);

}  // namespace strata
