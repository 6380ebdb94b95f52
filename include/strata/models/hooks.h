#pragma once
/// Probing a model with a dummy forward (fastai/callback/hook.py): in_channels, dummy_eval,
/// model_sizes, num_features_model.

#include <utility>
#include <vector>

#include "strata/models/sequential.h"

namespace strata {

/// `weight.size(1)` of the first module (pre-order) with a 4-d weight; ValueError "No weight
/// layer" when there is none (fastai in_channels).
int64_t in_channels(const torch::nn::Module& module);

/// Runs `model` in eval mode, without gradients, on uniform(-1, 1) noise of shape
/// [1, in_channels, height, width] on the model's device and dtype. Leaves the model in eval mode
/// (as fastai does).
torch::Tensor dummy_eval(Sequential model, std::pair<int64_t, int64_t> size = {64, 64});

/// The output shape of every child of `model` for a dummy input of `size` (fastai model_sizes).
std::vector<std::vector<int64_t>> model_sizes(Sequential model, std::pair<int64_t, int64_t> size = {64, 64});

/// Channels of the last child's output (fastai num_features_model): tries 32x32 inputs, doubling
/// the size up to 2048 while the model fails on small inputs.
int64_t num_features_model(Sequential model);

}  // namespace strata
