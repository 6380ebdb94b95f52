#pragma once
/// Parameter groups: the unit of discriminative learning rates and freezing (fastai's list of
/// parameter lists that a splitter returns and an optimizer takes).

#include <vector>

#include <ATen/core/Tensor.h>

namespace strata {

/// Parameter groups, earliest layers first.
using ParamGroups = std::vector<std::vector<at::Tensor>>;

}  // namespace strata
