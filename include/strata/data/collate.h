#pragma once
/// Turning a list of items into a batch (fastai fa_collate).

#include <functional>
#include <vector>

#include "strata/core/value.h"

namespace strata {

/// Stacks position k of every item into one value of the same kind with a leading batch
/// dimension: TensorImage [C, H, W] -> [N, C, H, W], Category -> [N], ... Items must have the same
/// length, kinds and shapes; the error names the position, kind and both shapes. Text values
/// cannot be collated (encode them first). With `pinned`, each batch tensor is allocated in
/// page-locked memory and the items are stacked straight into it (one copy, ready for an
/// asynchronous transfer to a GPU; needs a LibTorch with CUDA).
Item collate(const std::vector<Item>& items, bool pinned = false);

using CollateFn = std::function<Item(const std::vector<Item>&)>;

}  // namespace strata
