#pragma once
/// fastai's DistributedTrainer: data-parallel training of a Learner over a c10d process group.
///
///     auto pg = ProcessGroup::from_environment();   // torchrun / srun / your launcher
///     to_distributed(learn, pg);                     // fastai learn.to_distributed()
///     learn.fine_tune(3);                            // every rank runs the same code
///
/// Each rank trains on its shard of every epoch (DistributedSampler's split), gradients are
/// averaged in buckets that overlap the backward pass (GradientReducer), and the Recorder sees
/// the loss and metrics of all ranks; only rank 0 prints, writes the CSV log and saves.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/arg.h>

#include "strata/learner/callback.h"
#include "strata/data/data_loader.h"
#include "strata/distributed/gradient_reducer.h"
#include "strata/distributed/process_group.h"

namespace strata {

struct DistributedOptions {
  /// largest gradient bucket in MiB (PyTorch DDP bucket_cap_mb)
  TORCH_ARG(double, bucket_cap_mb) = 25.0;
  /// split the validation set between the ranks and combine loss and metrics (every item counts
  /// once, so the values equal a single process's); off: every rank validates everything
  TORCH_ARG(bool, shard_valid) = true;
};

class DistributedTrainer : public Callback {
 public:
  explicit DistributedTrainer(ProcessGroupPtr process_group, DistributedOptions options = {});
  std::string name() const override { return "distributed_trainer"; }
  /// fastai's order: after TrainEval (-10), before the Recorder (50) and the schedulers.
  int order() const override { return 11; }

  void before_fit(Learner& l) override;
  void before_train(Learner& l) override;
  void before_batch(Learner& l) override;
  void after_backward(Learner& l) override;
  void after_batch(Learner& l) override;
  void after_train(Learner& l) override;
  void after_cancel_train(Learner& l) override;
  void before_validate(Learner& l) override;
  void after_validate(Learner& l) override;
  void after_fit(Learner& l) override;

  const ProcessGroupPtr& process_group() const { return pg_; }
  /// The gradient reducer of the current fit (null outside one).
  const GradientReducer* reducer() const { return reducer_.get(); }

 private:
  void sync_model(Learner& l, bool parameters);
  void restore_train_epoch(Learner& l);

  ProcessGroupPtr pg_;
  DistributedOptions options_;
  std::unique_ptr<GradientReducer> reducer_;
  std::optional<DataLoader> train_shard_, valid_shard_;
  std::vector<at::Tensor> valid_preds_, valid_targets_;
  bool was_logging_ = true;
  bool in_fit_ = false;
  std::uint64_t train_seed_ = 0;
};

/// fastai learn.to_distributed(): adds a DistributedTrainer on `process_group` (null: joined from
/// the environment with ProcessGroup::from_environment; with no launcher variables, a single
/// process, the Learner is left alone and null is returned) and, for CUDA loaders, moves them to
/// the GPU LOCAL_RANK. Returns the callback.
std::shared_ptr<DistributedTrainer> to_distributed(Learner& learn, ProcessGroupPtr process_group = nullptr,
                                                   DistributedOptions options = {});

}  // namespace strata
