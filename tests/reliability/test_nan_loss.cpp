// A NaN loss stops training with its epoch and batch, and the last good checkpoint survives it.
#include <cmath>
#include <limits>
#include <sstream>

#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/callbacks/tracker.h"
#include "strata/core/weights.h"
#include "strata/data/data_loaders.h"
#include "strata/learner/learner.h"
#include "strata/models/layers.h"

using strata::Item;
using strata::Kind;
using strata::Value;
using strata_test::Contains;

namespace {

// Turns the loss into NaN from batch `batch` of epoch `epoch` on (a diverging run).
class PoisonLoss : public strata::Callback {
 public:
  PoisonLoss(int epoch, int batch) : epoch_(epoch), batch_(batch) {}
  std::string name() const override { return "poison_loss"; }
  bool run_valid() const override { return false; }
  void after_loss(strata::Learner& l) override {
    if (l.epoch > epoch_ || (l.epoch == epoch_ && l.iter >= batch_)) l.loss = l.loss * std::numeric_limits<double>::quiet_NaN();
  }

 private:
  int epoch_, batch_;
};

bool all_finite(const std::vector<torch::Tensor>& tensors) {
  for (const auto& t : tensors)
    if (!torch::isfinite(t).all().item<bool>()) return false;
  return true;
}

}  // namespace

TEST_CASE("TerminateOnNaN: stops at the batch, the best checkpoint stays intact and is restored", "[callbacks]") {
  strata_test::TempDir dir;
  torch::manual_seed(0);
  std::vector<Item> items;
  for (int i = 0; i < 96; ++i) {
    auto x = torch::randn({8});
    items.push_back({Value(Kind::Tensor, x), Value::category(x[0].item<float>() > 0 ? 1 : 0)});
  }
  strata::Splits splits;
  for (int i = 0; i < 96; ++i) (i < 80 ? splits.train : splits.valid).push_back(i);
  auto dls = strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), splits),
                                 strata::DataLoadersOptions().bs(8).num_workers(0).seed(1));
  strata::Sequential net(torch::nn::Linear(8, 16), torch::nn::ReLU(), torch::nn::Linear(16, 2));
  auto nan_stop = std::make_shared<strata::TerminateOnNaNCallback>();
  strata::Learner learn(dls, net,
                        strata::LearnerOptions()
                            .loss_func(strata::CrossEntropyLossFlat())
                            .path(dir.path())
                            .cbs({std::make_shared<strata::SaveModelCallback>("valid_loss", "best"), nan_stop,
                                  std::make_shared<PoisonLoss>(2, 3)}));
  std::ostringstream out;
  learn.out = &out;
  learn.fit(5, 1e-2);
  CHECK_THAT(nan_stop->reason(), Contains("at epoch 2, batch 3"));
  CHECK(learn.recorder().values.size() == 2);  // epochs 0 and 1 completed, then the stop
  // The checkpoint written at the last improvement is whole and finite...
  const auto saved = strata::read_state_dict(dir / "models" / "best.pth");
  std::vector<torch::Tensor> tensors;
  for (const auto& item : saved) tensors.push_back(item.value());
  CHECK(all_finite(tensors));
  // ... and SaveModelCallback put it back into the model the NaN step had poisoned.
  CHECK(all_finite(net->parameters()));
}
