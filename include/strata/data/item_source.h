#pragma once
/// What a DataLoader reads from: a sized, indexable collection of items that are transformed on
/// access (a TfmdLists or Datasets subset). `get` is const so loader threads can share it.

#include <cstddef>
#include <memory>
#include <string>

#include "strata/transforms/transform.h"

namespace strata {

class ItemSource {
 public:
  virtual ~ItemSource() = default;
  virtual std::size_t size() const = 0;
  /// Item `i`, transformed for `ctx.split` with `ctx.rng`.
  virtual Item get(std::size_t i, TransformContext& ctx) const = 0;
  /// The subset the items belong to (decides which transforms run).
  virtual Split split() const = 0;
  /// The raw item, for messages ("'images/Abyssinian_1.jpg'").
  virtual std::string describe_raw(std::size_t i) const = 0;
  /// Runs the decodes of the item transforms (for display).
  virtual Item decode(Item item) const = 0;
};

using ItemSourcePtr = std::shared_ptr<const ItemSource>;

}  // namespace strata
