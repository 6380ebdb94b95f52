#include "strata/data/collate.h"

#include <ATen/ATen.h>

#include "strata/core/error.h"

namespace strata {

Item collate(const std::vector<Item>& items, bool pinned) {
  STRATA_CHECK(!items.empty(), "collate: no items to make a batch of");
  const std::size_t width = items[0].size();
  Item batch;
  batch.reserve(width);
  std::vector<at::Tensor> column(items.size());
  for (std::size_t k = 0; k < width; ++k) {
    const Value& first = items[0].at(k);
    STRATA_CHECK_TYPE(!first.is_text(),
                      "collate: position {} holds Text ('{}'); add a transform that encodes it (e.g. Categorize)", k,
                      first.str());
    for (std::size_t i = 0; i < items.size(); ++i) {
      STRATA_CHECK(items[i].size() == width, "collate: item {} has {} values, item 0 has {}", i, items[i].size(), width);
      const Value& v = items[i][k];
      STRATA_CHECK_TYPE(v.kind() == first.kind(), "collate: position {} is {} in item 0 but {} in item {}", k,
                        kind_name(first.kind()), kind_name(v.kind()), i);
      STRATA_CHECK(v.tensor().sizes() == first.tensor().sizes(),
                   "collate: position {} ({}) has shape {} in item 0 but {} in item {}; resize items to one size "
                   "(e.g. Resize) before batching",
                   k, kind_name(first.kind()), shape_str(first.tensor().sizes()), shape_str(v.tensor().sizes()), i);
      column[i] = v.tensor();
    }
    if (!pinned) {
      batch.emplace_back(first.kind(), at::stack(column));
      continue;
    }
    std::vector<std::int64_t> shape{static_cast<std::int64_t>(items.size())};
    for (auto d : first.tensor().sizes()) shape.push_back(d);
    at::Tensor out = at::empty(shape, first.tensor().options().pinned_memory(true));
    batch.emplace_back(first.kind(), at::stack_out(out, column));
  }
  return batch;
}

}  // namespace strata
