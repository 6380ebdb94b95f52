#pragma once
/// A Sequential that nests: LibTorch's torch::nn::Sequential has a templated forward, so it cannot
/// be stored inside another Sequential (an AnyModule). strata::Sequential adds the plain
/// `Tensor forward(Tensor)` that bodies, heads and ResNet stages need (PyTorch's nn.Sequential).

#include <memory>

#include <torch/nn/modules/container/sequential.h>

namespace strata {

class SequentialImpl : public torch::nn::SequentialImpl {
 public:
  using torch::nn::SequentialImpl::SequentialImpl;
  /// Feeds `x` through every child in order.
  torch::Tensor forward(torch::Tensor x) { return torch::nn::SequentialImpl::forward(std::move(x)); }
  /// A deep copy that stays a strata::Sequential (children keep their names).
  std::shared_ptr<torch::nn::Module> clone(
      const c10::optional<torch::Device>& device = c10::nullopt) const override;
};
TORCH_MODULE(Sequential);

}  // namespace strata
