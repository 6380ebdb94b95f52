#include "strata/models/create_body.h"

#include <regex>

#include <torch/torch.h>

#include "strata/core/error.h"
#include "strata/models/layers.h"

#include "strata/models/sequential.h"

namespace strata {
namespace {

bool is_pool(const torch::nn::Module& m) {
  static const std::regex pool(".*Pool[123]d$");
  return std::regex_match(layer_type(m), pool);
}

// fastai _update_first_layer: a new first conv with n_in input channels.
torch::nn::Conv2d rewire_conv(const torch::nn::Conv2d& old, int64_t n_in, bool pretrained) {
  const auto& o = old->options;
  STRATA_CHECK(o.in_channels() == 3, "create_body: the first layer must take 3 channels to change n_in, it takes {}",
               o.in_channels());
  torch::nn::Conv2dOptions options(n_in, o.out_channels(), o.kernel_size());
  options.stride(o.stride()).padding(o.padding()).dilation(o.dilation()).groups(o.groups()).bias(o.bias())
      .padding_mode(o.padding_mode());
  torch::nn::Conv2d conv(options);
  if (pretrained) {
    torch::NoGradGuard no_grad;
    const auto w = old->weight;
    torch::Tensor nw;
    if (n_in == 1) nw = w.sum(1, /*keepdim=*/true);
    else if (n_in == 2) nw = w.narrow(1, 0, 2) * 1.5;
    else nw = torch::cat({w, torch::zeros({w.size(0), n_in - 3, w.size(2), w.size(3)}, w.options())}, 1);
    conv->weight.copy_(nw);
    if (old->bias.defined() && conv->bias.defined()) conv->bias.copy_(old->bias);
  }
  return conv;
}

}  // namespace

bool has_pool_type(const torch::nn::Module& module) {
  for (const auto& m : module.modules(/*include_self=*/true))
    if (is_pool(*m)) return true;
  return false;
}

Sequential cut_model(const LayerList& layers, int64_t cut) {
  const auto n = static_cast<int64_t>(layers.size());
  const int64_t end = cut < 0 ? n + cut : cut;
  STRATA_CHECK(end > 0 && end <= n, "create_body: cut {} leaves no layer of a model with {} top-level children", cut,
               n);
  Sequential body;
  for (int64_t i = 0; i < end; ++i) body->push_back(std::to_string(i), layers[static_cast<std::size_t>(i)].second);
  return body;
}

Sequential create_body(const LayerList& layers, const BodyOptions& options) {
  STRATA_CHECK(options.n_in() > 0, "create_body: n_in must be positive, got {}", options.n_in());
  STRATA_CHECK(!layers.empty(), "create_body: the model has no children to cut");
  LayerList source = layers;
  if (options.n_in() != 3) {
    // The module owning the first parameter must be a top-level Conv2d (as in torchvision models).
    auto it = std::find_if(source.begin(), source.end(),
                           [](const auto& l) { return !l.second.ptr()->parameters().empty(); });
    STRATA_CHECK(it != source.end() && it->second.ptr()->as<torch::nn::Conv2d>() != nullptr,
                 "create_body: to change n_in the first layer with parameters must be a Conv2d, got {}",
                 it == source.end() ? std::string("none") : layer_type(*it->second.ptr()));
    const torch::nn::Conv2d old(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(it->second.ptr()));
    it->second = torch::nn::AnyModule(rewire_conv(old, options.n_in(), options.pretrained()));
  }
  if (options.cut_fn()) return options.cut_fn()(source);
  if (options.cut()) return cut_model(source, *options.cut());
  // Default cut: the last top-level child holding a pooling layer, and everything after it, go.
  int64_t cut = -1;
  for (std::size_t i = 0; i < source.size(); ++i)
    if (has_pool_type(*source[i].second.ptr())) cut = static_cast<int64_t>(i);
  STRATA_CHECK(cut > 0, "create_body: no pooling layer found to cut at; pass BodyOptions().cut(n)");
  return cut_model(source, cut);
}

}  // namespace strata
