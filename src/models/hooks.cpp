#include "strata/models/hooks.h"

#include <torch/torch.h>

#include "strata/core/error.h"

#include "strata/models/sequential.h"

namespace strata {

int64_t in_channels(const torch::nn::Module& module) {
  for (const auto& m : module.modules(/*include_self=*/true)) {
    const auto own = m->named_parameters(/*recurse=*/false);
    if (const auto* w = own.find("weight"); w && w->dim() == 4) return w->size(1);
  }
  STRATA_FAIL(ValueError, "in_channels: no weight layer (no module has a 4-d weight)");
}

torch::Tensor dummy_eval(Sequential model, std::pair<int64_t, int64_t> size) {
  const auto params = model->parameters();
  const auto options = params.empty() ? torch::TensorOptions() : params.front().options().requires_grad(false);
  model->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::empty({1, in_channels(*model), size.first, size.second}, options).uniform_(-1, 1);
  return model->forward(x);
}

std::vector<std::vector<int64_t>> model_sizes(Sequential model, std::pair<int64_t, int64_t> size) {
  const auto params = model->parameters();
  const auto options = params.empty() ? torch::TensorOptions() : params.front().options().requires_grad(false);
  model->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::empty({1, in_channels(*model), size.first, size.second}, options).uniform_(-1, 1);
  std::vector<std::vector<int64_t>> sizes;
  for (auto& child : *model) {
    x = child.forward(x);
    sizes.push_back(x.sizes().vec());
  }
  return sizes;
}

int64_t num_features_model(Sequential model) {
  std::string last_error;
  for (int64_t sz = 32; sz <= 2048; sz *= 2) {
    try {
      return model_sizes(model, {sz, sz}).back().at(1);
    } catch (const std::exception& e) {
      last_error = e.what();
    }
  }
  STRATA_FAIL(ValueError, "num_features_model: the model fails on every input from 32x32 to 2048x2048: {}",
              last_error);
}

}  // namespace strata
