#include "strata/models/unet.h"

#include <algorithm>

#include <torch/torch.h>

#include "strata/core/error.h"
#include "strata/core/state_dict.h"
#include "strata/models/hooks.h"
#include "strata/models/model_meta.h"
#include "strata/models/vision_model.h"

namespace strata {

UnetBlockImpl::UnetBlockImpl(int64_t up_in_c, int64_t x_in_c, bool final_div, bool blur, bool self_attention,
                             NormType norm_type)
    : up_in_c_(up_in_c), x_in_c_(x_in_c), final_div_(final_div), blur_(blur), self_attention_(self_attention),
      norm_type_(norm_type) {
  reset();
}

void UnetBlockImpl::reset() {
  shuf = register_module("shuf", PixelShuffleICNR(up_in_c_, up_in_c_ / 2, 2, blur_, norm_type_));
  bn = register_module("bn", batch_norm_2d(x_in_c_));
  const int64_t ni = up_in_c_ / 2 + x_in_c_;
  nf_ = final_div_ ? ni : ni / 2;
  conv1 = register_module("conv1", ConvLayer(ConvLayerOptions(ni, nf_).norm_type(norm_type_)));
  conv2 = register_module("conv2", ConvLayer(ConvLayerOptions(nf_, nf_).norm_type(norm_type_)));
  if (self_attention_) conv2->push_back(SelfAttention(nf_));  // fastai xtra
  relu = register_module("relu", torch::nn::ReLU());
  Sequential both(conv1, conv2);
  apply_init(*both);
}

torch::Tensor UnetBlockImpl::forward(const torch::Tensor& up_in, const torch::Tensor& skip) {
  torch::Tensor up = shuf->forward(up_in);
  if (up.sizes().slice(2) != skip.sizes().slice(2))
    up = torch::nn::functional::interpolate(
        up, torch::nn::functional::InterpolateFuncOptions().size(skip.sizes().slice(2).vec()).mode(torch::kNearest));
  const torch::Tensor cat_x = relu(torch::cat({up, bn(skip)}, 1));
  return conv2->forward(conv1->forward(cat_x));
}

std::vector<int64_t> size_change_indices(const std::vector<std::vector<int64_t>>& sizes) {
  std::vector<int64_t> idxs;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i)
    if (sizes[i].back() != sizes[i + 1].back()) idxs.push_back(static_cast<int64_t>(i));
  return idxs;
}

DynamicUnetImpl::DynamicUnetImpl(Sequential encoder, int64_t n_out, std::pair<int64_t, int64_t> img_size,
                                 const UnetOptions& options)
    : encoder_(std::move(encoder)), n_out_(n_out), img_size_(img_size), options_(options) {
  STRATA_CHECK(encoder_ && n_out > 0, "DynamicUnet: needs an encoder and n_out > 0");
  reset();
}

void DynamicUnetImpl::reset() {
  decoder_.clear();
  const auto sizes = model_sizes(encoder_, img_size_);
  auto idxs = size_change_indices(sizes);
  STRATA_CHECK(!idxs.empty(), "DynamicUnet: the encoder never changes resolution for a {}x{} input",
               img_size_.first, img_size_.second);
  skip_idxs_.assign(idxs.rbegin(), idxs.rend());
  const int64_t n_in = in_channels(*encoder_);

  // Dummy pass: the skip activations and the encoder output, to size every block.
  torch::NoGradGuard no_grad;
  encoder_->eval();
  const auto params = encoder_->parameters();
  torch::Tensor x = torch::empty({1, n_in, img_size_.first, img_size_.second}, params.front().options().requires_grad(false))
                        .uniform_(-1, 1);
  std::vector<torch::Tensor> acts;
  for (auto& child : *encoder_) {
    x = child.forward(x);
    acts.push_back(x);
  }
  int64_t ni = sizes.back()[1];
  auto add = [this](auto module) {
    register_module(std::to_string(decoder_.size() + 1), module);
    decoder_.emplace_back(module);
  };
  register_module("0", encoder_);
  add(batch_norm_2d(ni));
  add(torch::nn::ReLU());
  Sequential middle(ConvLayer(ConvLayerOptions(ni, ni * 2).norm_type(options_.norm_type())),
                    ConvLayer(ConvLayerOptions(ni * 2, ni).norm_type(options_.norm_type())));
  middle->eval();
  x = middle->forward(x);
  add(middle);
  for (std::size_t i = 0; i < skip_idxs_.size(); ++i) {
    const bool not_final = i != skip_idxs_.size() - 1;
    const int64_t up_in_c = x.size(1), x_in_c = sizes[static_cast<std::size_t>(skip_idxs_[i])][1];
    const bool do_blur = options_.blur() && (not_final || options_.blur_final());
    const bool sa = options_.self_attention() && static_cast<int64_t>(i) == static_cast<int64_t>(skip_idxs_.size()) - 3;
    UnetBlock block(up_in_c, x_in_c, not_final, do_blur, sa, options_.norm_type());
    block->eval();
    x = block->forward(x, acts[static_cast<std::size_t>(skip_idxs_[i])]);
    add(block);
  }
  ni = x.size(1);
  // The first encoder child already halves the resolution (ResNets): one more 2x upsampling.
  if (sizes.front()[2] != img_size_.first || sizes.front()[3] != img_size_.second)
    add(PixelShuffleICNR(ni, std::nullopt, 2, false, options_.norm_type()));
  add(ResizeToOrig());
  if (options_.last_cross()) {
    add(MergeLayer(true));
    ni += n_in;
    ResBlock cross(1, ni, options_.bottle() ? ni / 2 : ni, 1, options_.norm_type());
    apply_init(*cross);
    add(cross);
  }
  add(ConvLayer(ConvLayerOptions(ni, n_out_).kernel_size(1).relu(false).norm_type(options_.norm_type())));
  apply_init(*middle);
  if (options_.y_range()) add(SigmoidRange(options_.y_range()->first, options_.y_range()->second));
  add(ToTensorBase());
}

torch::Tensor DynamicUnetImpl::forward(const torch::Tensor& input) {
  torch::Tensor x = input;
  std::vector<torch::Tensor> acts(encoder_->size());
  std::size_t i = 0;
  for (auto& child : *encoder_) {
    x = child.forward(x);
    acts[i++] = x;  // kept with their graph: gradients flow through the skips
  }
  std::size_t block = 0;
  for (auto& layer : decoder_) {
    if (auto* u = layer.ptr()->as<UnetBlock>()) x = u->forward(x, acts[static_cast<std::size_t>(skip_idxs_[block++])]);
    else if (auto* merge = layer.ptr()->as<MergeLayer>()) x = merge->forward(x, input);
    else if (auto* resize = layer.ptr()->as<ResizeToOrig>()) x = resize->forward(x, input);
    else x = layer.forward(x);
  }
  return x;
}

std::vector<std::vector<int64_t>> DynamicUnetImpl::block_channels() const {
  std::vector<std::vector<int64_t>> out;
  for (const auto& layer : decoder_)
    if (auto* u = layer.ptr()->as<UnetBlock>())
      out.push_back({u->shuf->ptr(0)->parameters().front().size(1), u->bn->options.num_features(), u->out_channels()});
  return out;
}

std::vector<std::shared_ptr<torch::nn::Module>> DynamicUnetImpl::layers() const {
  std::vector<std::shared_ptr<torch::nn::Module>> out{encoder_.ptr()};
  for (const auto& l : decoder_) out.push_back(l.ptr());
  return out;
}

ParamGroups unet_split(torch::nn::Module& model) {
  auto* unet = model.as<DynamicUnet>();
  STRATA_CHECK_TYPE(unet != nullptr, "unet_split: expected a DynamicUnet, got {}", model.name());
  auto enc = unet->encoder();
  ParamGroups groups(3);
  std::size_t i = 0;
  for (const auto& child : enc->children()) {
    for (const auto& p : child->parameters()) groups[i < 6 ? 0 : 1].push_back(p);
    ++i;
  }
  const auto layers = unet->layers();
  for (std::size_t k = 1; k < layers.size(); ++k)
    for (const auto& p : layers[k]->parameters()) groups[2].push_back(p);
  return groups;
}

DynamicUnet create_unet_model(const std::string& arch, int64_t n_out, std::pair<int64_t, int64_t> img_size,
                              bool pretrained, const std::string& weights, const UnetOptions& options, int64_t n_in) {
  const ModelMeta& meta = model_meta(arch);
  ArchModel model = meta.make();
  if (pretrained) {
    const std::string file = weights.empty() ? pretrained_weights_file(arch) : weights;
    load_state_dict(*model.module, std::filesystem::path(file), /*strict=*/true);
  }
  auto body = create_body(model.layers, BodyOptions().n_in(n_in).pretrained(pretrained).cut(meta.cut));
  return DynamicUnet(body, n_out, img_size, options);
}

}  // namespace strata
