#pragma once
/// fastai GatherPredsCallback: what get_preds adds to the evaluation loop to keep each batch's
/// activations, targets and (on request) per-item losses, on the CPU, in loader order.

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "strata/learner/callback.h"
#include "strata/learner/loss.h"

namespace strata {

/// Predictions over a whole subset (fastai get_preds), on the CPU, in dataset order.
struct Predictions {
  at::Tensor preds;    ///< activations (softmax for cross-entropy)
  at::Tensor targets;  ///< first target of each batch, concatenated
  at::Tensor decoded;  ///< loss decodes (argmax), when asked for
  at::Tensor losses;   ///< per-item losses, when asked for
};

class GatherPreds : public Callback {
 public:
  explicit GatherPreds(bool with_loss = false) : with_loss_(with_loss) {}
  std::string name() const override { return "gather_preds"; }
  bool run_train() const override { return false; }
  void before_validate(Learner& l) override;
  void after_batch(Learner& l) override;
  std::size_t batches() const { return preds_.size(); }
  /// The gathered batches concatenated; `with_decoded` adds the loss's decodes of the activations.
  Predictions predictions(const Loss& loss_func, bool with_decoded) const;

 private:
  bool with_loss_;
  std::vector<at::Tensor> preds_, targets_, losses_;
};

}  // namespace strata
