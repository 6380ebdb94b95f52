#pragma once
/// PyTorch DistributedDataParallel's gradient averaging for any LibTorch model: trainable
/// parameters are grouped into buckets (in reverse order, as backward produces them), and each
/// bucket's all-reduce starts as soon as its last gradient is accumulated, so communication
/// overlaps the rest of the backward pass. Usable without a Learner:
///
///     GradientReducer reducer(pg, model->parameters());
///     loss.backward();
///     reducer.finish();   // every rank now holds the mean gradient
///     optimizer.step();

#include <memory>
#include <vector>

#include <torch/arg.h>
#include <ATen/core/Tensor.h>

#include "strata/distributed/process_group.h"

namespace strata {

struct GradientReducerOptions {
  /// largest bucket in MiB (PyTorch DDP bucket_cap_mb)
  TORCH_ARG(double, bucket_cap_mb) = 25.0;
};

class GradientReducer {
 public:
  /// Hooks the parameters that require a gradient now (the others are left alone: frozen
  /// parameters cost no communication). Every rank must pass the same parameters in the same order.
  GradientReducer(ProcessGroupPtr process_group, std::vector<at::Tensor> parameters,
                  GradientReducerOptions options = {});
  /// Removes the hooks.
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  /// After backward: starts the buckets still waiting (parameters that got no gradient count as
  /// zero), waits for all, and writes each parameter's .grad as the mean over the ranks.
  /// Errors (a rank died, the timeout passed) name the bucket and the step.
  void finish();

  std::size_t n_buckets() const;
  /// The hooked parameters' requires_grad flags, to notice a freeze/unfreeze.
  const std::vector<bool>& trainable() const;
  /// Seconds finish() spent waiting for communication, summed since construction.
  double wait_seconds() const;
  /// Bytes all-reduced per step.
  std::size_t bytes_per_step() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

/// The requires_grad flag of each tensor.
std::vector<bool> requires_grad_flags(const std::vector<at::Tensor>& parameters);

}  // namespace strata
