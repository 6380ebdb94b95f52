#pragma once
/// fastai's layers (fastai/layers.py) as LibTorch modules, with fastai's initialisation.

#include <optional>
#include <string>
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

/// fastai NormType.
enum class NormType { Batch, BatchZero, Weight, Spectral, Instance, InstanceZero, None };

/// `[B, C, H, W] -> [B, 2C, size, size]`: adaptive max pool then adaptive average pool,
/// concatenated on channels (max first). Children "ap" and "mp" as in fastai.
class AdaptiveConcatPool2dImpl : public torch::nn::Cloneable<AdaptiveConcatPool2dImpl> {
 public:
  explicit AdaptiveConcatPool2dImpl(int64_t size = 1);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

  torch::nn::AdaptiveAvgPool2d ap{nullptr};
  torch::nn::AdaptiveMaxPool2d mp{nullptr};

 private:
  int64_t size_;
};
TORCH_MODULE(AdaptiveConcatPool2d);

/// fastai Flatten(full=False): `[B, ...] -> [B, -1]`; with full, `-> [-1]`.
class FlattenImpl : public torch::nn::Cloneable<FlattenImpl> {
 public:
  explicit FlattenImpl(bool full = false) : full_(full) {}
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

 private:
  bool full_;
};
TORCH_MODULE(Flatten);

/// fastai SigmoidRange(low, high): `sigmoid(x) * (high - low) + low`.
class SigmoidRangeImpl : public torch::nn::Cloneable<SigmoidRangeImpl> {
 public:
  SigmoidRangeImpl(double low, double high) : low_(low), high_(high) {}
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

 private:
  double low_, high_;
};
TORCH_MODULE(SigmoidRange);

/// fastai BatchNorm(nf, ndim, norm_type): eps 1e-5, momentum 0.1, weight 1 (0 for BatchZero) and
/// bias 1e-3, fastai's signature. Returns a BatchNorm1d/2d/3d as an AnyModule.
torch::nn::AnyModule batch_norm(int64_t nf, int64_t ndim = 2, NormType norm_type = NormType::Batch);
/// The same as a concrete BatchNorm1d (heads) and BatchNorm2d (U-Net skips).
torch::nn::BatchNorm1d batch_norm_1d(int64_t nf, NormType norm_type = NormType::Batch);
torch::nn::BatchNorm2d batch_norm_2d(int64_t nf, NormType norm_type = NormType::Batch);

/// fastai LinBnDrop(n_in, n_out, bn=True, p=0, act=None, lin_first=False) as its list of layers:
/// `[BatchNorm1d(n_in), Dropout(p)?, Linear(n_in, n_out, bias=!bn), act?]` or, with lin_first,
/// `[Linear, act?, BatchNorm1d(n_out), Dropout(p)?]`.
std::vector<torch::nn::AnyModule> lin_bn_drop(int64_t n_in, int64_t n_out, bool bn = true, double p = 0.0,
                                              bool relu = false, bool lin_first = false);

/// Options of fastai's ConvLayer(ni, nf, ks=3, stride=1, padding=None, bias=None, ndim=2,
/// norm_type=Batch, bn_1st=True, act_cls=ReLU, transpose=False, init='auto', bias_std=0.01).
struct ConvLayerOptions {
  ConvLayerOptions(int64_t in_channels, int64_t out_channels) : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  /// kernel size (fastai ks)
  TORCH_ARG(int64_t, kernel_size) = 3;
  TORCH_ARG(int64_t, stride) = 1;
  /// default (ks - 1) / 2
  TORCH_ARG(std::optional<int64_t>, padding) = std::nullopt;
  /// default: a bias unless followed by a Batch/Instance norm
  TORCH_ARG(std::optional<bool>, bias) = std::nullopt;
  TORCH_ARG(int64_t, groups) = 1;
  TORCH_ARG(NormType, norm_type) = NormType::Batch;
  /// norm before the activation (fastai bn_1st)
  TORCH_ARG(bool, bn_first) = true;
  /// ReLU after the conv (fastai act_cls=ReLU); false = act_cls=None
  TORCH_ARG(bool, relu) = true;
  /// std of the N(0, std) bias init (fastai bias_std)
  TORCH_ARG(double, bias_std) = 0.01;
  /// 1 (Conv1d, e.g. inside SelfAttention) or 2 (Conv2d)
  TORCH_ARG(int64_t, ndim) = 2;
};

/// fastai ConvLayer: Conv -> [BatchNorm] -> [ReLU] (a Sequential with children "0", "1", ...).
/// With ReLU the conv weight is kaiming_uniform-initialised (fastai init 'auto'). NormType Weight
/// and Spectral wrap the conv in weight / spectral normalisation (NormedConv).
class ConvLayerImpl : public SequentialImpl {
 public:
  explicit ConvLayerImpl(const ConvLayerOptions& options);
  /// The plain Conv2d of child "0" (TypeError for a 1-d or normalised conv).
  torch::nn::Conv2d conv() const;
  /// The conv's (raw) weight: `weight`, `weight_v` under weight norm, `weight_orig` under spectral.
  torch::Tensor weight() const;
  /// Replaces the conv's weight (weight norm: weight_v = w and weight_g = its norms).
  void set_weight(const torch::Tensor& w);
  /// Feeds `x` through the layers (a non-templated forward, so it nests).
  torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(std::move(x)); }
};
TORCH_MODULE(ConvLayer);

/// fastai ResBlock(expansion, ni, nf, stride, norm_type) for expansion 1 and 4 (bottleneck), no
/// SE / self-attention: `relu(convpath(x) + idpath(x))`. The identity path is a 1x1 ConvLayer with
/// BatchNorm when ni != nf (fastai does not forward norm_type to it), after an AvgPool2d(stride,
/// ceil_mode) when stride != 1.
class ResBlockImpl : public torch::nn::Cloneable<ResBlockImpl> {
 public:
  ResBlockImpl(int64_t expansion, int64_t ni, int64_t nf, int64_t stride = 1, NormType norm_type = NormType::Batch);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  Sequential convpath{nullptr};
  Sequential idpath{nullptr};

 private:
  int64_t expansion_, ni_, nf_, stride_;
  NormType norm_type_;
};
TORCH_MODULE(ResBlock);

/// fastai icnr_init: kaiming-normal sub-kernels replicated scale^2 times, so that after
/// PixelShuffle every scale x scale block is constant. `weight` is [out, in, h, w], out divisible
/// by scale^2.
torch::Tensor icnr_init(const torch::Tensor& weight, int64_t scale = 2);

/// fastai PixelShuffle_ICNR(ni, nf=ni, scale=2, blur=False, norm_type, act_cls=ReLU):
/// ConvLayer(ni, nf * scale^2, ks 1, bias_std 0) with ICNR weights -> PixelShuffle(scale)
/// [-> ReplicationPad2d((1, 0, 1, 0)) -> AvgPool2d(2, stride 1) when blur].
class PixelShuffleICNRImpl : public SequentialImpl {
 public:
  PixelShuffleICNRImpl(int64_t ni, std::optional<int64_t> nf = std::nullopt, int64_t scale = 2, bool blur = false,
                       NormType norm_type = NormType::Weight, bool relu = true);
};
TORCH_MODULE(PixelShuffleICNR);

/// fastai SelfAttention(n_channels) (SAGAN): query/key/value 1-d ConvLayers with spectral norm,
/// `gamma` starts at 0 so the layer is the identity at init. `[B, C, H, W] -> [B, C, H, W]`.
class SelfAttentionImpl : public torch::nn::Cloneable<SelfAttentionImpl> {
 public:
  explicit SelfAttentionImpl(int64_t n_channels);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  ConvLayer query{nullptr}, key{nullptr}, value{nullptr};
  torch::Tensor gamma;

 private:
  int64_t n_channels_;
};
TORCH_MODULE(SelfAttention);

/// fastai MergeLayer(dense=False): `x + orig`, or `cat([x, orig], 1)` when dense. `orig` is the
/// input of the enclosing SequentialEx.
class MergeLayerImpl : public torch::nn::Cloneable<MergeLayerImpl> {
 public:
  explicit MergeLayerImpl(bool dense = false) : dense_(dense) {}
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& orig);
  void pretty_print(std::ostream& stream) const override;

 private:
  bool dense_;
};
TORCH_MODULE(MergeLayer);

/// fastai ResizeToOrig(mode='nearest'): resizes `x` to the spatial size of `orig` when they differ.
class ResizeToOrigImpl : public torch::nn::Cloneable<ResizeToOrigImpl> {
 public:
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& orig);
};
TORCH_MODULE(ResizeToOrig);

/// fastai SequentialEx: layers applied in turn, where MergeLayer and ResizeToOrig also receive the
/// SequentialEx's own input (fastai's `x.orig`). Children "0", "1", ...
class SequentialExImpl : public torch::nn::Cloneable<SequentialExImpl> {
 public:
  SequentialExImpl() = default;
  /// Nothing to build: the layers come from append (as torch::nn::Sequential's reset).
  void reset() override {}
  /// A deep copy: each layer cloned (Cloneable's copy would find no children after reset).
  /// (torch::optional: c10's in LibTorch 1.13, std's in 2.x.)
  std::shared_ptr<torch::nn::Module> clone(const torch::optional<torch::Device>& device = {}) const override;
  void append(torch::nn::AnyModule layer);
  template <typename M>
  void append(M holder) {
    append(torch::nn::AnyModule(std::move(holder)));
  }
  torch::Tensor forward(torch::Tensor x);
  std::size_t size() const { return layers_.size(); }
  std::shared_ptr<torch::nn::Module> operator[](std::size_t i) const { return layers_.at(i).ptr(); }

 private:
  std::vector<torch::nn::AnyModule> layers_;
};
TORCH_MODULE(SequentialEx);

/// fastai init_default / apply_init: every Conv/Linear whose weight is trainable gets
/// kaiming_normal weights (fan_in, gain sqrt(2)) and zero bias; norm layers are untouched.
void apply_init(torch::nn::Module& module);

/// "BatchNorm2d", "AdaptiveConcatPool2d", "Sequential", ...: the class name without namespace
/// and "Impl" (fastai/PyTorch's type(m).__name__).
std::string layer_type(const torch::nn::Module& module);

/// True for norm layers (fastai norm_types: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm).
bool is_norm_layer(const torch::nn::Module& module);

/// Number of parameters (not buffers) of `module`, all or only the trainable ones.
int64_t count_parameters(const torch::nn::Module& module, bool trainable_only = false);

}  // namespace strata
