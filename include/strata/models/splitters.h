#pragma once
/// Splitting a model's parameters into groups for discriminative learning rates and freezing.

#include <functional>
#include <vector>

#include <torch/nn/module.h>

#include "strata/core/param_groups.h"

namespace strata {

/// A function from a model to its parameter groups (fastai splitter). Write your own in one
/// lambda, e.g. the Siamese one: `[](Module& m) { return ParamGroups{params(*encoder), params(*head)}; }`.
using Splitter = std::function<ParamGroups(torch::nn::Module&)>;

/// All parameters of `module`, trainable or not, in parameters() order (fastai params).
std::vector<torch::Tensor> params(const torch::nn::Module& module);

/// One group holding every parameter (fastai's Learner default, trainable_params).
ParamGroups single_group(torch::nn::Module& model);

/// fastai default_split for Sequential(body, head...): [params(m[0]), params(m[1:])].
ParamGroups default_split(torch::nn::Module& model);

/// fastai _resnet_split for Sequential(body, head...): [body[:6], body[6:], m[1:]] (3 groups:
/// stem + layer1 + layer2, layer3 + layer4, the head).
ParamGroups resnet_split(torch::nn::Module& model);

}  // namespace strata
