#pragma once
/// A 1-d or 2-d convolution under weight or spectral normalisation, with PyTorch's parameter
/// names (weight_norm: weight_g, weight_v; spectral_norm: weight_orig and buffers weight_u,
/// weight_v), so fastai's ConvLayer(norm_type=Weight|Spectral) state dicts load as they are.

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>

namespace strata {

enum class ConvNorm { Weight, Spectral };

struct NormedConvOptions {
  NormedConvOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, kernel_size);
  TORCH_ARG(int64_t, stride) = 1;
  TORCH_ARG(int64_t, padding) = 0;
  TORCH_ARG(int64_t, groups) = 1;
  TORCH_ARG(bool, bias) = true;
  /// 1 (Conv1d) or 2 (Conv2d)
  TORCH_ARG(int64_t, ndim) = 2;
  TORCH_ARG(ConvNorm, norm) = ConvNorm::Weight;
};

class NormedConvImpl : public torch::nn::Cloneable<NormedConvImpl> {
 public:
  explicit NormedConvImpl(const NormedConvOptions& options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);
  /// The effective (normalised) weight.
  torch::Tensor weight();
  /// Sets the direction/raw weight to `w` (weight norm: weight_v = w, weight_g = its norm).
  void set_weight(const torch::Tensor& w);
  void pretty_print(std::ostream& stream) const override;

  NormedConvOptions options;
  torch::Tensor bias;

 private:
  torch::Tensor g_, v_, orig_, u_buf_, v_buf_;
};
TORCH_MODULE(NormedConv);

}  // namespace strata
