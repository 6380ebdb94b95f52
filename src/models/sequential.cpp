#include "strata/models/sequential.h"

namespace strata {

std::shared_ptr<torch::nn::Module> SequentialImpl::clone(const c10::optional<torch::Device>& device) const {
  auto copy = std::make_shared<SequentialImpl>();
  const auto names = named_children();
  std::size_t i = 0;
  for (const auto& any : *this) copy->push_back(names[i++].key(), any.clone(device));
  return copy;
}

}  // namespace strata
