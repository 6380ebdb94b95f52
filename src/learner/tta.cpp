// fastai tta: predictions averaged over passes with the training-time (random) transforms.
#include <ATen/ATen.h>

#include "strata/core/error.h"
#include "strata/learner/learner.h"

namespace strata {
namespace {

// The items of another source with its training-time transforms (fastai's dl with split_idx 0,
// as tta uses): the source's own transforms run as usual, the loader's item and batch transforms
// run as on training items.
class AsTraining : public ItemSource {
 public:
  explicit AsTraining(ItemSourcePtr inner) : inner_(std::move(inner)) {}
  std::size_t size() const override { return inner_->size(); }
  Item get(std::size_t i, TransformContext& ctx) const override {
    Item item = inner_->get(i, ctx);
    ctx.split = Split::Train;
    return item;
  }
  Split split() const override { return Split::Train; }
  std::string describe_raw(std::size_t i) const override { return inner_->describe_raw(i); }
  Item decode(Item item) const override { return inner_->decode(std::move(item)); }

 private:
  ItemSourcePtr inner_;
};

}  // namespace

Predictions Learner::tta(int ds_idx, int n, std::optional<double> beta) {
  STRATA_CHECK(n >= 1, "tta: n must be at least 1, got {}", n);
  const DataLoader& loader = dls()[static_cast<std::size_t>(ds_idx)];
  const std::uint64_t seed = loader.options().seed().value_or(default_seed());
  at::Tensor sum;
  for (int pass = 0; pass < n; ++pass) {
    DataLoader augmented(std::make_shared<AsTraining>(loader.source()),
                         DataLoaderOptions(loader.options()).shuffle(false).drop_last(false).seed(seed + 1 + pass));
    const at::Tensor p = get_preds(augmented).preds;
    sum = pass == 0 ? p : sum + p;
  }
  Predictions result = get_preds(ds_idx);
  const at::Tensor augmented = sum / n;
  result.preds = beta ? at::lerp(augmented, result.preds, *beta) : augmented;
  return result;
}

}  // namespace strata
