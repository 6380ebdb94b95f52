#include "strata/models/resnet.h"

#include <torch/nn/init.h>

#include "strata/core/error.h"

#include "strata/models/sequential.h"

namespace strata {
namespace nn = torch::nn;

namespace {

nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride = 1, int64_t groups = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).groups(groups).bias(false));
}
nn::Conv2d conv1x1(int64_t in, int64_t out, int64_t stride = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false));
}
Sequential make_downsample(int64_t in, int64_t out, int64_t stride) {
  return Sequential(conv1x1(in, out, stride), nn::BatchNorm2d(out));
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, bool downsample, int64_t groups,
                               int64_t base_width)
    : inplanes_(inplanes), planes_(planes), stride_(stride), has_downsample_(downsample) {
  STRATA_CHECK(groups == 1 && base_width == 64, "BasicBlock only supports groups=1 and base_width=64");
  reset();
}

void BasicBlockImpl::reset() {
  conv1 = register_module("conv1", conv3x3(inplanes_, planes_, stride_));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes_));
  relu = register_module("relu", nn::ReLU(nn::ReLUOptions(true)));
  conv2 = register_module("conv2", conv3x3(planes_, planes_));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes_));
  if (has_downsample_) downsample = register_module("downsample", make_downsample(inplanes_, planes_, stride_));
}

torch::Tensor BasicBlockImpl::forward(torch::Tensor x) {
  torch::Tensor identity = has_downsample_ ? downsample->forward(x) : x;
  torch::Tensor out = relu(bn1(conv1(x)));
  out = bn2(conv2(out));
  return relu(out + identity);
}

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool downsample, int64_t groups,
                               int64_t base_width)
    : inplanes_(inplanes), planes_(planes), stride_(stride), groups_(groups), base_width_(base_width),
      has_downsample_(downsample) {
  reset();
}

void BottleneckImpl::reset() {
  const int64_t width = planes_ * base_width_ / 64 * groups_;
  conv1 = register_module("conv1", conv1x1(inplanes_, width));
  bn1 = register_module("bn1", nn::BatchNorm2d(width));
  conv2 = register_module("conv2", conv3x3(width, width, stride_, groups_));
  bn2 = register_module("bn2", nn::BatchNorm2d(width));
  conv3 = register_module("conv3", conv1x1(width, planes_ * kExpansion));
  bn3 = register_module("bn3", nn::BatchNorm2d(planes_ * kExpansion));
  relu = register_module("relu", nn::ReLU(nn::ReLUOptions(true)));
  if (has_downsample_)
    downsample = register_module("downsample", make_downsample(inplanes_, planes_ * kExpansion, stride_));
}

torch::Tensor BottleneckImpl::forward(torch::Tensor x) {
  torch::Tensor identity = has_downsample_ ? downsample->forward(x) : x;
  torch::Tensor out = relu(bn1(conv1(x)));
  out = relu(bn2(conv2(out)));
  out = bn3(conv3(out));
  return relu(out + identity);
}

ResNetImpl::ResNetImpl(const ResNetOptions& options) : options_(options) {
  for (auto n : options.layers()) STRATA_CHECK(n > 0, "ResNet: every stage needs at least one block");
  STRATA_CHECK(options.num_classes() > 0, "ResNet: num_classes must be positive, got {}", options.num_classes());
  reset();
}

Sequential ResNetImpl::make_stage(int64_t planes, int64_t blocks, int64_t stride) {
  const bool bottleneck = options_.block() == ResNetOptions::Block::Bottleneck;
  const int64_t expansion = bottleneck ? BottleneckImpl::kExpansion : BasicBlockImpl::kExpansion;
  const bool downsample = stride != 1 || inplanes_ != planes * expansion;
  Sequential stage;
  const int64_t g = options_.groups(), w = options_.width_per_group();
  for (int64_t i = 0; i < blocks; ++i) {
    const int64_t s = i == 0 ? stride : 1;
    const bool ds = i == 0 && downsample;
    if (bottleneck) stage->push_back(Bottleneck(inplanes_, planes, s, ds, g, w));
    else stage->push_back(BasicBlock(inplanes_, planes, s, ds, g, w));
    inplanes_ = planes * expansion;
  }
  return stage;
}

void ResNetImpl::reset() {
  inplanes_ = 64;
  layers_.clear();
  auto add = [this](const std::string& name, auto module) {
    register_module(name, module);
    layers_.emplace_back(name, nn::AnyModule(module));
  };
  add("conv1", nn::Conv2d(nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
  add("bn1", nn::BatchNorm2d(64));
  add("relu", nn::ReLU(nn::ReLUOptions(true)));
  add("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  const auto& blocks = options_.layers();
  add("layer1", make_stage(64, blocks[0], 1));
  add("layer2", make_stage(128, blocks[1], 2));
  add("layer3", make_stage(256, blocks[2], 2));
  add("layer4", make_stage(512, blocks[3], 2));
  add("avgpool", nn::AdaptiveAvgPool2d(1));
  add("fc", nn::Linear(inplanes_, options_.num_classes()));

  torch::NoGradGuard no_grad;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* conv = m->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* bn = m->as<nn::BatchNorm2d>()) {
      bn->weight.fill_(1.0);
      bn->bias.zero_();
    }
  }
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  for (std::size_t i = 0; i + 1 < layers_.size(); ++i) x = layers_[i].second.forward(x);
  return layers_.back().second.forward(torch::flatten(x, 1));  // fc after flattening, as torchvision
}

void ResNetImpl::pretty_print(std::ostream& stream) const {
  stream << "ResNet(layers=[" << options_.layers()[0] << ", " << options_.layers()[1] << ", " << options_.layers()[2]
         << ", " << options_.layers()[3] << "], num_classes=" << options_.num_classes() << ")";
}

namespace {
ResNet make(ResNetOptions::Block block, StageBlocks layers, int64_t num_classes, int64_t groups = 1,
            int64_t width = 64) {
  return ResNet(ResNetOptions(block, layers).num_classes(num_classes).groups(groups).width_per_group(width));
}
constexpr auto kBasic = ResNetOptions::Block::Basic;
constexpr auto kBottleneck = ResNetOptions::Block::Bottleneck;
}  // namespace

ResNet resnet18(int64_t n) { return make(kBasic, {2, 2, 2, 2}, n); }
ResNet resnet34(int64_t n) { return make(kBasic, {3, 4, 6, 3}, n); }
ResNet resnet50(int64_t n) { return make(kBottleneck, {3, 4, 6, 3}, n); }
ResNet resnet101(int64_t n) { return make(kBottleneck, {3, 4, 23, 3}, n); }
ResNet resnet152(int64_t n) { return make(kBottleneck, {3, 8, 36, 3}, n); }
ResNet resnext50_32x4d(int64_t n) { return make(kBottleneck, {3, 4, 6, 3}, n, 32, 4); }
ResNet wide_resnet50_2(int64_t n) { return make(kBottleneck, {3, 4, 6, 3}, n, 1, 128); }

LayerList layer_list(const Sequential& sequential) {
  LayerList out;
  const auto named = sequential->named_children();
  std::size_t i = 0;
  for (const auto& any : *sequential) out.emplace_back(named[i++].key(), any);
  return out;
}

}  // namespace strata
