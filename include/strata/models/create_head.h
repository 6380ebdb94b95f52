#pragma once
/// fastai create_head: the classifier put on a cut body.

#include <optional>
#include <utility>
#include <vector>

#include <torch/arg.h>

#include "strata/models/sequential.h"

namespace strata {

/// A (low, high) output range (fastai y_range).
using Range = std::pair<double, double>;

struct HeadOptions {
  /// sizes of the hidden linear layers (fastai lin_ftrs); empty = {512}
  TORCH_ARG(std::vector<int64_t>, hidden) = {};
  /// dropout probabilities (fastai ps): one value p gives p/2 for every hidden layer and p for
  /// the last; otherwise one value per linear layer
  TORCH_ARG(std::vector<double>, ps) = {0.5};
  /// pool the feature map (fastai pool)
  TORCH_ARG(bool, pool) = true;
  /// max+avg pooling, doubling the features (fastai concat_pool)
  TORCH_ARG(bool, concat_pool) = true;
  /// BatchNorm before the first linear (fastai first_bn)
  TORCH_ARG(bool, first_bn) = true;
  /// a final BatchNorm1d(n_out, momentum 0.01) (fastai bn_final)
  TORCH_ARG(bool, bn_final) = false;
  /// linear before BatchNorm/Dropout in each block (fastai lin_first)
  TORCH_ARG(bool, lin_first) = false;
  /// squash the outputs into (low, high) with SigmoidRange (fastai y_range)
  TORCH_ARG(std::optional<Range>, y_range) = std::nullopt;
};

/// fastai 2.7 create_head(nf, n_out, ...): `nf` is the body's channel count (doubled inside for
/// concat pooling). Default layers for create_head(512, n): AdaptiveConcatPool2d, Flatten,
/// BatchNorm1d(1024), Dropout(0.25), Linear(1024, 512, no bias), ReLU, BatchNorm1d(512),
/// Dropout(0.5), Linear(512, n, no bias). `[B, nf, h, w] -> [B, n_out]`.
Sequential create_head(int64_t nf, int64_t n_out, const HeadOptions& options = {});

}  // namespace strata
