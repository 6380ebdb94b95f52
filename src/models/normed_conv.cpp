#include "strata/models/normed_conv.h"

#include <cmath>

#include <torch/torch.h>

#include "strata/core/error.h"

namespace strata {

NormedConvImpl::NormedConvImpl(const NormedConvOptions& o) : options(o) {
  STRATA_CHECK(o.ndim() == 1 || o.ndim() == 2, "NormedConv: ndim must be 1 or 2, got {}", o.ndim());
  reset();
}

void NormedConvImpl::reset() {
  const auto& o = options;
  std::vector<int64_t> shape{o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()};
  if (o.ndim() == 2) shape.push_back(o.kernel_size());
  // PyTorch's default conv init (kaiming_uniform a=sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
  torch::Tensor w = torch::empty(shape);
  torch::nn::init::kaiming_uniform_(w, std::sqrt(5.0));
  const double fan_in = static_cast<double>(w[0].numel());
  if (o.norm() == ConvNorm::Weight) {
    v_ = register_parameter("weight_v", w);
    std::vector<int64_t> g_shape(shape.size(), 1);
    g_shape[0] = o.out_channels();
    g_ = register_parameter("weight_g", w.reshape({o.out_channels(), -1}).norm(2, 1).view(g_shape).detach().clone());
  } else {
    orig_ = register_parameter("weight_orig", w);
    const auto mat = w.reshape({o.out_channels(), -1});
    u_buf_ = register_buffer("weight_u", torch::nn::functional::normalize(torch::randn({mat.size(0)}),
                                                                          torch::nn::functional::NormalizeFuncOptions().dim(0).eps(1e-12)));
    v_buf_ = register_buffer("weight_v", torch::nn::functional::normalize(torch::randn({mat.size(1)}),
                                                                          torch::nn::functional::NormalizeFuncOptions().dim(0).eps(1e-12)));
  }
  if (o.bias()) bias = register_parameter("bias", torch::empty({o.out_channels()}).uniform_(-1 / std::sqrt(fan_in), 1 / std::sqrt(fan_in)));
}

torch::Tensor NormedConvImpl::weight() {
  if (options.norm() == ConvNorm::Weight) return torch::_weight_norm(v_, g_, 0);
  const auto mat = orig_.reshape({options.out_channels(), -1});
  torch::Tensor u = u_buf_, v = v_buf_;
  if (is_training()) {
    // One power iteration per training forward, as torch.nn.utils.spectral_norm does.
    torch::NoGradGuard no_grad;
    namespace F = torch::nn::functional;
    v = F::normalize(torch::mv(mat.t(), u), F::NormalizeFuncOptions().dim(0).eps(1e-12));
    u = F::normalize(torch::mv(mat, v), F::NormalizeFuncOptions().dim(0).eps(1e-12));
    u_buf_.copy_(u);
    v_buf_.copy_(v);
    u = u.clone();
    v = v.clone();
  }
  const auto sigma = torch::dot(u, torch::mv(mat, v));
  return orig_ / sigma;
}

torch::Tensor NormedConvImpl::forward(const torch::Tensor& x) {
  const auto w = weight();
  if (options.ndim() == 1) return torch::conv1d(x, w, bias, options.stride(), options.padding(), 1, options.groups());
  return torch::conv2d(x, w, bias, options.stride(), options.padding(), 1, options.groups());
}

void NormedConvImpl::set_weight(const torch::Tensor& w) {
  torch::NoGradGuard no_grad;
  if (options.norm() == ConvNorm::Weight) {
    v_.copy_(w);
    g_.copy_(w.reshape({w.size(0), -1}).norm(2, 1).view(g_.sizes()));
  } else {
    orig_.copy_(w);
  }
}

void NormedConvImpl::pretty_print(std::ostream& stream) const {
  stream << "Conv" << options.ndim() << "d(" << options.in_channels() << ", " << options.out_channels()
         << ", kernel_size=" << options.kernel_size() << ", " << (options.norm() == ConvNorm::Weight ? "weight" : "spectral")
         << "_norm)";
}

}  // namespace strata
