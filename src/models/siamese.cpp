#include "strata/models/siamese.h"

#include <torch/torch.h>

#include "strata/core/error.h"

namespace strata {

SiameseModelImpl::SiameseModelImpl(Sequential encoder_, Sequential head_)
    : encoder(std::move(encoder_)), head(std::move(head_)) {
  STRATA_CHECK(encoder && head, "SiameseModel: the encoder and the head must not be null");
  reset();
}

void SiameseModelImpl::reset() {
  // clone() calls reset() on a copy holding the same children; register_module then takes them.
  encoder = register_module("encoder", encoder);
  head = register_module("head", head);
}

torch::Tensor SiameseModelImpl::forward(const torch::Tensor& x1, const torch::Tensor& x2) {
  return head->forward(torch::cat({encoder->forward(x1), encoder->forward(x2)}, 1));
}

ParamGroups siamese_splitter(torch::nn::Module& model) {
  auto* siamese = model.as<SiameseModel>();
  STRATA_CHECK_TYPE(siamese != nullptr, "siamese_splitter: expected a SiameseModel, got {}", model.name());
  return {params(*siamese->encoder), params(*siamese->head)};
}

}  // namespace strata
