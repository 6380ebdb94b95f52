#pragma once
/// The model a Learner trains: a module plus how to call it on a batch's inputs. A model with
/// `forward(Tensor)` takes one input; the Siamese model's `forward(Tensor, Tensor)` takes two.

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <torch/nn/module.h>

#include "strata/core/error.h"
#include "strata/core/value.h"

namespace strata {

class LearnerModel {
 public:
  using Forward = std::function<at::Tensor(const std::vector<at::Tensor>& inputs)>;

  /// Any LibTorch module holder (Sequential, ResNet, your TORCH_MODULE) whose forward takes one
  /// or two tensors.
  template <typename Holder, typename = typename Holder::ContainedType>
  LearnerModel(Holder holder)  // NOLINT: implicit, so Learner(dls, model) reads like fastai
      : module_(holder.ptr()), forward_(make_forward(holder)) {}

  /// A module and an explicit forward over the batch inputs.
  LearnerModel(std::shared_ptr<torch::nn::Module> module, Forward forward)
      : module_(std::move(module)), forward_(std::move(forward)) {}

  torch::nn::Module& module() const { return *module_; }
  const std::shared_ptr<torch::nn::Module>& ptr() const { return module_; }
  at::Tensor operator()(const std::vector<at::Tensor>& inputs) const { return forward_(inputs); }
  /// On a batch's input values (the Learner's xb).
  at::Tensor operator()(const Item& inputs) const {
    std::vector<at::Tensor> tensors;
    tensors.reserve(inputs.size());
    for (const auto& v : inputs) tensors.push_back(v.tensor());
    return forward_(tensors);
  }

 private:
  template <typename Impl, typename = void>
  struct TakesTwo : std::false_type {};
  template <typename Impl>
  struct TakesTwo<Impl, std::void_t<decltype(std::declval<Impl&>().forward(std::declval<at::Tensor>(),
                                                                          std::declval<at::Tensor>()))>>
      : std::true_type {};

  template <typename Holder>
  static Forward make_forward(Holder holder) {
    using Impl = typename Holder::ContainedType;
    return [holder](const std::vector<at::Tensor>& x) mutable -> at::Tensor {
      if constexpr (TakesTwo<Impl>::value) {
        STRATA_CHECK(x.size() == 2, "the model takes 2 inputs, the batch has {}", x.size());
        return holder->forward(x[0], x[1]);
      } else {
        STRATA_CHECK(x.size() == 1, "the model takes 1 input, the batch has {} (set DataLoadersOptions::n_inp)",
                     x.size());
        return holder->forward(x[0]);
      }
    };
  }

  std::shared_ptr<torch::nn::Module> module_;
  Forward forward_;
};

}  // namespace strata
