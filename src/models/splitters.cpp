#include "strata/models/splitters.h"

#include <torch/torch.h>

#include "strata/core/error.h"

#include "strata/models/sequential.h"

namespace strata {
namespace {

torch::nn::SequentialImpl& as_sequential(torch::nn::Module& module, const char* who) {
  auto* seq = module.as<torch::nn::SequentialImpl>();
  STRATA_CHECK_TYPE(seq != nullptr, "{}: expected a Sequential(body, head, ...), got {}", who, module.name());
  return *seq;
}

void append_params(std::vector<torch::Tensor>& out, const torch::nn::Module& m) {
  for (const auto& p : m.parameters()) out.push_back(p);
}

}  // namespace

std::vector<torch::Tensor> params(const torch::nn::Module& module) { return module.parameters(); }

ParamGroups single_group(torch::nn::Module& model) { return {params(model)}; }

ParamGroups default_split(torch::nn::Module& model) {
  auto& seq = as_sequential(model, "default_split");
  STRATA_CHECK(seq.size() >= 2, "default_split: the model has {} children, expected body and head", seq.size());
  ParamGroups groups(2);
  append_params(groups[0], *seq.ptr(0));
  for (std::size_t i = 1; i < seq.size(); ++i) append_params(groups[1], *seq.ptr(i));
  return groups;
}

ParamGroups resnet_split(torch::nn::Module& model) {
  auto& seq = as_sequential(model, "resnet_split");
  STRATA_CHECK(seq.size() >= 2, "resnet_split: the model has {} children, expected body and head", seq.size());
  auto& body = as_sequential(*seq.ptr(0), "resnet_split (body)");
  STRATA_CHECK(body.size() >= 7, "resnet_split: the body has {} children, a ResNet body has 8", body.size());
  ParamGroups groups(3);
  for (std::size_t i = 0; i < body.size(); ++i) append_params(groups[i < 6 ? 0 : 1], *body.ptr(i));
  for (std::size_t i = 1; i < seq.size(); ++i) append_params(groups[2], *seq.ptr(i));
  return groups;
}

}  // namespace strata
