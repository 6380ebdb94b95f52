#pragma once
/// torchvision-compatible ResNets: the same module tree, so parameter and buffer names are
/// exactly torchvision's ("conv1.weight", "layer1.0.downsample.0.weight", "fc.bias") and real
/// PyTorch weight files load as they are.

#include <array>
#include <string>
#include <utility>
#include <vector>

#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/any.h>
#include "strata/models/sequential.h"
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

namespace strata {

/// Top-level children of a model, in order, as named AnyModules: what create_body cuts.
using LayerList = std::vector<std::pair<std::string, torch::nn::AnyModule>>;

/// torchvision BasicBlock (resnet18/34): conv1, bn1, relu, conv2, bn2[, downsample].
class BasicBlockImpl : public torch::nn::Cloneable<BasicBlockImpl> {
 public:
  static constexpr int64_t kExpansion = 1;
  BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride = 1, bool downsample = false, int64_t groups = 1,
                 int64_t base_width = 64);
  void reset() override;
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::ReLU relu{nullptr};
  Sequential downsample{nullptr};

 private:
  int64_t inplanes_, planes_, stride_;
  bool has_downsample_;
};
TORCH_MODULE(BasicBlock);

/// torchvision Bottleneck (resnet50+, resnext, wide): 1x1, 3x3 (stride here, "ResNet v1.5"), 1x1.
class BottleneckImpl : public torch::nn::Cloneable<BottleneckImpl> {
 public:
  static constexpr int64_t kExpansion = 4;
  BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride = 1, bool downsample = false, int64_t groups = 1,
                 int64_t base_width = 64);
  void reset() override;
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::ReLU relu{nullptr};
  Sequential downsample{nullptr};

 private:
  int64_t inplanes_, planes_, stride_, groups_, base_width_;
  bool has_downsample_;
};
TORCH_MODULE(Bottleneck);

/// Blocks per stage, e.g. {3, 4, 6, 3} for resnet34.
using StageBlocks = std::array<int64_t, 4>;

struct ResNetOptions {
  enum class Block { Basic, Bottleneck };
  ResNetOptions(Block block, StageBlocks layers) : block_(block), layers_(layers) {}
  TORCH_ARG(Block, block);
  /// blocks per stage
  TORCH_ARG(StageBlocks, layers);
  TORCH_ARG(int64_t, num_classes) = 1000;
  /// ResNeXt cardinality
  TORCH_ARG(int64_t, groups) = 1;
  /// 64 for ResNet, 4 for resnext50_32x4d, 128 for wide_resnet50_2
  TORCH_ARG(int64_t, width_per_group) = 64;
};

/// torchvision ResNet. Children in torchvision's order: conv1, bn1, relu, maxpool, layer1..layer4,
/// avgpool, fc. forward: `[N, 3, H, W] -> [N, num_classes]`. Initialised like torchvision
/// (kaiming_normal fan_out for convs, BN weight 1 / bias 0).
class ResNetImpl : public torch::nn::Cloneable<ResNetImpl> {
 public:
  explicit ResNetImpl(const ResNetOptions& options);
  void reset() override;
  torch::Tensor forward(torch::Tensor x);
  void pretty_print(std::ostream& stream) const override;

  /// The ten top-level children, named as in torchvision.
  LayerList layers() const { return layers_; }
  const ResNetOptions& options() const { return options_; }

 private:
  Sequential make_stage(int64_t planes, int64_t blocks, int64_t stride);
  ResNetOptions options_;
  int64_t inplanes_ = 64;
  LayerList layers_;
};
TORCH_MODULE(ResNet);

ResNet resnet18(int64_t num_classes = 1000);
ResNet resnet34(int64_t num_classes = 1000);
ResNet resnet50(int64_t num_classes = 1000);
ResNet resnet101(int64_t num_classes = 1000);
ResNet resnet152(int64_t num_classes = 1000);
ResNet resnext50_32x4d(int64_t num_classes = 1000);
ResNet wide_resnet50_2(int64_t num_classes = 1000);

/// The children of a Sequential, in order (names "0", "1", ... or whatever it was built with).
LayerList layer_list(const Sequential& sequential);
inline LayerList layer_list(const ResNet& model) { return model->layers(); }

}  // namespace strata
