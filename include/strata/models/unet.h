#pragma once
/// fastai DynamicUnet: a U-Net decoder built for any encoder by probing it with a dummy forward.

#include <optional>
#include <utility>
#include <vector>

#include <torch/arg.h>

#include "strata/models/create_body.h"
#include "strata/models/create_head.h"
#include "strata/models/layers.h"
#include "strata/models/sequential.h"
#include "strata/models/splitters.h"

namespace strata {

/// fastai UnetBlock(up_in_c, x_in_c, final_div, blur, self_attention, norm_type): upsample the
/// deeper features (PixelShuffle_ICNR to up_in_c/2), BatchNorm the skip, concatenate, two
/// ConvLayers. Nearest-resizes the upsampled features when sizes differ (odd input sizes).
class UnetBlockImpl : public torch::nn::Cloneable<UnetBlockImpl> {
 public:
  UnetBlockImpl(int64_t up_in_c, int64_t x_in_c, bool final_div = true, bool blur = false, bool self_attention = false,
                NormType norm_type = NormType::None);
  void reset() override;
  /// `up_in`: the deeper features; `skip`: the encoder activation of the matching resolution.
  torch::Tensor forward(const torch::Tensor& up_in, const torch::Tensor& skip);
  int64_t out_channels() const { return nf_; }

  PixelShuffleICNR shuf{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  ConvLayer conv1{nullptr}, conv2{nullptr};
  torch::nn::ReLU relu{nullptr};

 private:
  int64_t up_in_c_, x_in_c_, nf_;
  bool final_div_, blur_, self_attention_;
  NormType norm_type_;
};
TORCH_MODULE(UnetBlock);

/// fastai ToTensorBase: a type cast in Python, the identity here (kept so layer lists match).
class ToTensorBaseImpl : public torch::nn::Cloneable<ToTensorBaseImpl> {
 public:
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x) { return x; }
};
TORCH_MODULE(ToTensorBase);

struct UnetOptions {
  /// blur in the upsampling blocks (fastai blur)
  TORCH_ARG(bool, blur) = false;
  /// blur in the last block too (fastai blur_final)
  TORCH_ARG(bool, blur_final) = true;
  /// SelfAttention in the third-from-last block (fastai self_attention)
  TORCH_ARG(bool, self_attention) = false;
  TORCH_ARG(std::optional<Range>, y_range) = std::nullopt;
  /// concatenate the input and add a ResBlock before the last conv (fastai last_cross)
  TORCH_ARG(bool, last_cross) = true;
  /// bottleneck in that ResBlock (fastai bottle)
  TORCH_ARG(bool, bottle) = false;
  TORCH_ARG(NormType, norm_type) = NormType::None;
};

/// fastai DynamicUnet(encoder, n_out, img_size, ...): `[B, n_in, H, W] -> [B, n_out, H, W]`.
/// Children "0" (the encoder), "1" BatchNorm2d, "2" ReLU, "3" middle conv, "4".. UnetBlocks,
/// PixelShuffle_ICNR, ResizeToOrig, MergeLayer, ResBlock, final ConvLayer, [SigmoidRange],
/// ToTensorBase: fastai's layer list. Skips are taken where the encoder's resolution changes.
class DynamicUnetImpl : public torch::nn::Cloneable<DynamicUnetImpl> {
 public:
  DynamicUnetImpl(Sequential encoder, int64_t n_out, std::pair<int64_t, int64_t> img_size,
                  const UnetOptions& options = {});
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  Sequential encoder() const { return encoder_; }
  /// Indices of the encoder children whose outputs feed the skips, deepest first.
  const std::vector<int64_t>& skip_indices() const { return skip_idxs_; }
  /// [up_in_c, x_in_c, out_c] of each UnetBlock (fastai_numbers' unetblock_ entry).
  std::vector<std::vector<int64_t>> block_channels() const;
  /// The top-level children in order (what layer_type/count_parameters tables list).
  std::vector<std::shared_ptr<torch::nn::Module>> layers() const;

 private:
  Sequential encoder_;
  int64_t n_out_;
  std::pair<int64_t, int64_t> img_size_;
  UnetOptions options_;
  std::vector<int64_t> skip_idxs_;
  std::vector<torch::nn::AnyModule> decoder_;  // everything after the encoder, in order
};
TORCH_MODULE(DynamicUnet);

/// fastai _get_sz_change_idxs: every i with width[i] != width[i+1].
std::vector<int64_t> size_change_indices(const std::vector<std::vector<int64_t>>& sizes);

/// model_meta's resnet split for a DynamicUnet: [encoder[:6], encoder[6:], decoder].
ParamGroups unet_split(torch::nn::Module& model);

/// fastai create_unet_model(arch, n_out, img_size, pretrained, weights, cut, n_in).
DynamicUnet create_unet_model(const std::string& arch, int64_t n_out, std::pair<int64_t, int64_t> img_size,
                              bool pretrained = true, const std::string& weights = "", const UnetOptions& options = {},
                              int64_t n_in = 3);

}  // namespace strata
