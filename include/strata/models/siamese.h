#pragma once
/// The Siamese model of fastai's "custom new task" tutorial: one shared encoder applied to both
/// images, features concatenated on channels, then a head.

#include "strata/models/sequential.h"
#include "strata/models/splitters.h"

namespace strata {

/// `forward(x1, x2) = head(cat([encoder(x1), encoder(x2)], dim=1))`:
/// two `[B, 3, H, W]` images -> `[B, n_out]`. Children "encoder" and "head".
class SiameseModelImpl : public torch::nn::Cloneable<SiameseModelImpl> {
 public:
  SiameseModelImpl(Sequential encoder, Sequential head);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x1, const torch::Tensor& x2);

  Sequential encoder{nullptr};
  Sequential head{nullptr};
};
TORCH_MODULE(SiameseModel);

/// fastai siamese_splitter: [params(encoder), params(head)] (2 groups). The model must be a
/// SiameseModel; TypeError otherwise.
ParamGroups siamese_splitter(torch::nn::Module& model);

}  // namespace strata
