#include "strata/models/layers.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/instancenorm.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/padding.h>
#include <torch/nn/modules/pixelshuffle.h>

#include "strata/core/error.h"
#include "strata/models/normed_conv.h"

#include "strata/models/sequential.h"

namespace strata {

// ---- small modules ---------------------------------------------------------------------------------

AdaptiveConcatPool2dImpl::AdaptiveConcatPool2dImpl(int64_t size) : size_(size) { reset(); }

void AdaptiveConcatPool2dImpl::reset() {
  ap = register_module("ap", torch::nn::AdaptiveAvgPool2d(size_));
  mp = register_module("mp", torch::nn::AdaptiveMaxPool2d(size_));
}

torch::Tensor AdaptiveConcatPool2dImpl::forward(const torch::Tensor& x) { return torch::cat({mp(x), ap(x)}, 1); }

void AdaptiveConcatPool2dImpl::pretty_print(std::ostream& stream) const {
  stream << "AdaptiveConcatPool2d(size=" << size_ << ")";
}

torch::Tensor FlattenImpl::forward(const torch::Tensor& x) { return full_ ? x.reshape({-1}) : x.reshape({x.size(0), -1}); }

void FlattenImpl::pretty_print(std::ostream& stream) const {
  stream << "Flatten(full=" << (full_ ? "True" : "False") << ")";
}

torch::Tensor SigmoidRangeImpl::forward(const torch::Tensor& x) { return torch::sigmoid(x) * (high_ - low_) + low_; }

void SigmoidRangeImpl::pretty_print(std::ostream& stream) const {
  stream << "SigmoidRange(low=" << low_ << ", high=" << high_ << ")";
}

// ---- norms -----------------------------------------------------------------------------------------

namespace {

// fastai's norm init: weight 1 (0 for the *Zero types, which start residual branches at zero)
// and bias 1e-3.
template <typename Norm>
Norm fastai_norm(Norm norm, NormType norm_type) {
  torch::NoGradGuard no_grad;
  const bool zero = norm_type == NormType::BatchZero || norm_type == NormType::InstanceZero;
  norm->weight.fill_(zero ? 0.0 : 1.0);
  norm->bias.fill_(1e-3);
  return norm;
}

}  // namespace

torch::nn::BatchNorm1d batch_norm_1d(int64_t nf, NormType norm_type) {
  return fastai_norm(torch::nn::BatchNorm1d(nf), norm_type);
}

torch::nn::BatchNorm2d batch_norm_2d(int64_t nf, NormType norm_type) {
  return fastai_norm(torch::nn::BatchNorm2d(nf), norm_type);
}

torch::nn::AnyModule batch_norm(int64_t nf, int64_t ndim, NormType norm_type) {
  switch (ndim) {
    case 1: return torch::nn::AnyModule(batch_norm_1d(nf, norm_type));
    case 2: return torch::nn::AnyModule(batch_norm_2d(nf, norm_type));
    case 3: return torch::nn::AnyModule(fastai_norm(torch::nn::BatchNorm3d(nf), norm_type));
    default: STRATA_FAIL(ValueError, "batch_norm: ndim must be 1, 2 or 3, got {}", ndim);
  }
}

std::vector<torch::nn::AnyModule> lin_bn_drop(int64_t n_in, int64_t n_out, bool bn, double p, bool relu,
                                              bool lin_first) {
  std::vector<torch::nn::AnyModule> norm_part;
  if (bn) norm_part.emplace_back(batch_norm_1d(lin_first ? n_out : n_in));
  if (p != 0.0) norm_part.emplace_back(torch::nn::Dropout(p));
  std::vector<torch::nn::AnyModule> lin_part;
  lin_part.emplace_back(torch::nn::Linear(torch::nn::LinearOptions(n_in, n_out).bias(!bn)));
  if (relu) lin_part.emplace_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
  auto& first = lin_first ? lin_part : norm_part;
  auto& second = lin_first ? norm_part : lin_part;
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

// ---- ConvLayer -----------------------------------------------------------------------------------

ConvLayerImpl::ConvLayerImpl(const ConvLayerOptions& o) {
  STRATA_CHECK(o.ndim() == 1 || o.ndim() == 2, "ConvLayer: ndim must be 1 or 2, got {}", o.ndim());
  const bool bn = o.norm_type() == NormType::Batch || o.norm_type() == NormType::BatchZero;
  const bool inn = o.norm_type() == NormType::Instance || o.norm_type() == NormType::InstanceZero;
  const int64_t padding = o.padding().value_or((o.kernel_size() - 1) / 2);
  const bool bias = o.bias().value_or(!(bn || inn));
  if (o.norm_type() == NormType::Weight || o.norm_type() == NormType::Spectral) {
    push_back(NormedConv(NormedConvOptions(o.in_channels(), o.out_channels(), o.kernel_size())
                             .stride(o.stride())
                             .padding(padding)
                             .groups(o.groups())
                             .bias(bias)
                             .ndim(o.ndim())
                             .norm(o.norm_type() == NormType::Weight ? ConvNorm::Weight : ConvNorm::Spectral)));
  } else if (o.ndim() == 1) {
    push_back(torch::nn::Conv1d(torch::nn::Conv1dOptions(o.in_channels(), o.out_channels(), o.kernel_size())
                                    .stride(o.stride()).padding(padding).groups(o.groups()).bias(bias)));
  } else {
    push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels(), o.out_channels(), o.kernel_size())
                                    .stride(o.stride()).padding(padding).groups(o.groups()).bias(bias)));
  }
  {
    // fastai init_linear (before any weight/spectral norm): ReLU => kaiming_uniform (a=0); no
    // activation keeps PyTorch's init. Bias ~ N(0, bias_std).
    torch::NoGradGuard no_grad;
    if (o.relu()) {
      torch::Tensor w = weight().clone();
      torch::nn::init::kaiming_uniform_(w, 0.0);
      set_weight(w);
    }
    if (bias) {
      auto b = ptr(0)->named_parameters(false)["bias"];
      if (o.bias_std() == 0.0) b.zero_();
      else b.normal_(0.0, o.bias_std());
    }
  }
  torch::nn::AnyModule norm;
  if (bn) {
    norm = o.ndim() == 1 ? torch::nn::AnyModule(batch_norm_1d(o.out_channels(), o.norm_type()))
                         : torch::nn::AnyModule(batch_norm_2d(o.out_channels(), o.norm_type()));
  } else if (inn) {
    STRATA_CHECK(o.ndim() == 2, "ConvLayer: instance norm needs ndim 2");
    norm = torch::nn::AnyModule(fastai_norm(
        torch::nn::InstanceNorm2d(torch::nn::InstanceNorm2dOptions(o.out_channels()).affine(true)), o.norm_type()));
  }
  // fastai bn_1st: [conv, norm, act] by default, [conv, act, norm] otherwise.
  // In place: neither a conv nor a BatchNorm needs its output for the backward pass.
  if (!o.bn_first() && o.relu()) push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
  if (!norm.is_empty()) push_back(norm);
  if (o.bn_first() && o.relu()) push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
}

torch::nn::Conv2d ConvLayerImpl::conv() const {
  auto c = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(ptr(0));
  STRATA_CHECK_TYPE(c != nullptr, "ConvLayer::conv: child 0 is a {}, not a plain Conv2d", layer_type(*ptr(0)));
  return torch::nn::Conv2d(c);
}

torch::Tensor ConvLayerImpl::weight() const {
  if (auto n = std::dynamic_pointer_cast<NormedConvImpl>(ptr(0))) {
    const auto own = n->named_parameters(false);
    return own.contains("weight_v") ? own["weight_v"] : own["weight_orig"];
  }
  return ptr(0)->named_parameters(false)["weight"];
}

void ConvLayerImpl::set_weight(const torch::Tensor& w) {
  torch::NoGradGuard no_grad;
  if (auto n = std::dynamic_pointer_cast<NormedConvImpl>(ptr(0))) {
    n->set_weight(w);
    return;
  }
  ptr(0)->named_parameters(false)["weight"].copy_(w);
}

// ---- ResBlock ------------------------------------------------------------------------------------

ResBlockImpl::ResBlockImpl(int64_t expansion, int64_t ni, int64_t nf, int64_t stride, NormType norm_type)
    : expansion_(expansion), ni_(ni), nf_(nf), stride_(stride), norm_type_(norm_type) {
  STRATA_CHECK(expansion == 1 || expansion == 4, "ResBlock: expansion must be 1 or 4, got {}", expansion);
  reset();
}

void ResBlockImpl::reset() {
  const NormType norm2 = norm_type_ == NormType::Batch      ? NormType::BatchZero
                         : norm_type_ == NormType::Instance ? NormType::InstanceZero
                                                            : norm_type_;
  const int64_t nh2 = nf_, nh1 = nh2;
  const int64_t nf = nf_ * expansion_, ni = ni_ * expansion_;
  Sequential conv;
  if (expansion_ == 1) {
    conv->push_back(ConvLayer(ConvLayerOptions(ni, nh2).stride(stride_).norm_type(norm_type_)));
    conv->push_back(ConvLayer(ConvLayerOptions(nh2, nf).norm_type(norm2).relu(false)));
  } else {
    conv->push_back(ConvLayer(ConvLayerOptions(ni, nh1).kernel_size(1).norm_type(norm_type_)));
    conv->push_back(ConvLayer(ConvLayerOptions(nh1, nh2).stride(stride_).norm_type(norm_type_)));
    conv->push_back(ConvLayer(ConvLayerOptions(nh2, nf).kernel_size(1).norm_type(norm2).relu(false)));
  }
  convpath = register_module("convpath", conv);
  Sequential id;
  if (stride_ != 1)
    id->push_back(torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(stride_).ceil_mode(true)));
  if (ni != nf) id->push_back(ConvLayer(ConvLayerOptions(ni, nf).kernel_size(1).relu(false)));
  idpath = register_module("idpath", id);
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor identity = idpath->is_empty() ? x : idpath->forward(x);
  return torch::relu(convpath->forward(x) + identity);
}

// ---- ICNR / PixelShuffle ----------------------------------------------------------------------------

torch::Tensor icnr_init(const torch::Tensor& weight, int64_t scale) {
  STRATA_CHECK(weight.dim() == 4, "icnr_init: expected a [out, in, h, w] weight, got {}", shape_str(weight.sizes()));
  const int64_t ni = weight.size(0), nf = weight.size(1), h = weight.size(2), w = weight.size(3);
  STRATA_CHECK(ni % (scale * scale) == 0, "icnr_init: {} output channels are not divisible by scale^2 = {}", ni,
               scale * scale);
  const int64_t ni2 = ni / (scale * scale);
  torch::Tensor k = torch::zeros({ni2, nf, h, w}, weight.options());
  torch::nn::init::kaiming_normal_(k);
  k = k.transpose(0, 1).contiguous().view({nf, ni2, -1});
  k = k.repeat({1, 1, scale * scale});
  return k.contiguous().view({nf, ni, h, w}).transpose(0, 1);
}

PixelShuffleICNRImpl::PixelShuffleICNRImpl(int64_t ni, std::optional<int64_t> nf, int64_t scale, bool blur,
                                           NormType norm_type, bool relu) {
  const int64_t out = nf.value_or(ni);
  ConvLayer conv(ConvLayerOptions(ni, out * scale * scale).kernel_size(1).norm_type(norm_type).relu(relu).bias_std(0));
  conv->set_weight(icnr_init(conv->weight(), scale));
  push_back(conv);
  push_back(torch::nn::PixelShuffle(scale));
  if (blur) {
    push_back(torch::nn::ReplicationPad2d(torch::nn::ReplicationPad2dOptions({1, 0, 1, 0})));
    push_back(torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(2).stride(1)));
  }
}

// ---- self-attention and skip plumbing ---------------------------------------------------------------

SelfAttentionImpl::SelfAttentionImpl(int64_t n_channels) : n_channels_(n_channels) {
  STRATA_CHECK(n_channels >= 8, "SelfAttention: needs at least 8 channels, got {}", n_channels);
  reset();
}

void SelfAttentionImpl::reset() {
  auto conv = [&](int64_t out) {
    return ConvLayer(ConvLayerOptions(n_channels_, out).kernel_size(1).ndim(1).norm_type(NormType::Spectral)
                         .relu(false).bias(false));
  };
  query = register_module("query", conv(n_channels_ / 8));
  key = register_module("key", conv(n_channels_ / 8));
  value = register_module("value", conv(n_channels_));
  gamma = register_parameter("gamma", torch::zeros({1}));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x) {
  const auto size = x.sizes().vec();
  const torch::Tensor flat = x.view({size[0], size[1], -1});
  const torch::Tensor f = query->forward(flat), g = key->forward(flat), h = value->forward(flat);
  const torch::Tensor beta = torch::softmax(torch::bmm(f.transpose(1, 2), g), 1);
  return (gamma * torch::bmm(h, beta) + flat).view(size).contiguous();
}

torch::Tensor MergeLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& orig) {
  return dense_ ? torch::cat({x, orig}, 1) : x + orig;
}

void MergeLayerImpl::pretty_print(std::ostream& stream) const {
  stream << "MergeLayer(dense=" << (dense_ ? "True" : "False") << ")";
}

torch::Tensor ResizeToOrigImpl::forward(const torch::Tensor& x, const torch::Tensor& orig) {
  if (x.sizes().slice(2) == orig.sizes().slice(2)) return x;
  return torch::nn::functional::interpolate(
      x, torch::nn::functional::InterpolateFuncOptions().size(orig.sizes().slice(2).vec()).mode(torch::kNearest));
}

void SequentialExImpl::append(torch::nn::AnyModule layer) {
  register_module(std::to_string(layers_.size()), layer.ptr());
  layers_.push_back(std::move(layer));
}

std::shared_ptr<torch::nn::Module> SequentialExImpl::clone(const torch::optional<torch::Device>& device) const {
  auto copy = std::make_shared<SequentialExImpl>();
  for (const auto& layer : layers_) copy->append(layer.clone(device));
  return copy;
}

torch::Tensor SequentialExImpl::forward(torch::Tensor x) {
  const torch::Tensor orig = x;
  for (auto& layer : layers_) {
    if (auto* merge = layer.ptr()->as<MergeLayer>()) x = merge->forward(x, orig);
    else if (auto* resize = layer.ptr()->as<ResizeToOrig>()) x = resize->forward(x, orig);
    else x = layer.forward(x);
  }
  return x;
}

// ---- init and introspection -------------------------------------------------------------------------

std::string layer_type(const torch::nn::Module& module) {
  std::string name = module.name();
  const auto colon = name.rfind("::");
  if (colon != std::string::npos) name = name.substr(colon + 2);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0) name.resize(name.size() - 4);
  if (name == "PixelShuffleICNR") return "PixelShuffle_ICNR";
  return name;
}

bool is_norm_layer(const torch::nn::Module& module) {
  const std::string t = layer_type(module);
  return t == "BatchNorm1d" || t == "BatchNorm2d" || t == "BatchNorm3d" || t == "InstanceNorm1d" ||
         t == "InstanceNorm2d" || t == "InstanceNorm3d" || t == "LayerNorm";
}

void apply_init(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  // fastai cond_init: not a norm layer, and its first parameter requires grad.
  auto init_one = [](torch::nn::Module& m) {
    if (is_norm_layer(m)) return;
    const auto own = m.named_parameters(/*recurse=*/false);
    if (own.is_empty() || !own.begin()->value().requires_grad()) return;
    if (auto* w = own.find("weight")) torch::nn::init::kaiming_normal_(*w);
    if (auto* b = own.find("bias")) b->zero_();
  };
  init_one(module);
  for (const auto& child : module.modules(/*include_self=*/false)) init_one(*child);
}

int64_t count_parameters(const torch::nn::Module& module, bool trainable_only) {
  int64_t n = 0;
  for (const auto& p : module.parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

}  // namespace strata
