#pragma once
/// A process group on PyTorch's c10d: a TCPStore rendezvous and the Gloo (CPU) or NCCL (CUDA)
/// backend, behind an interface that needs neither c10d's nor Gloo's headers.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <torch/arg.h>
#include <ATen/core/Tensor.h>

#include "strata/distributed/env.h"

namespace strata {

struct ProcessGroupOptions {
  /// "gloo", "nccl", or "auto" (NCCL for CUDA when built with it, else Gloo)
  TORCH_ARG(std::string, backend) = "auto";
  /// a collective (or the rendezvous) that waits longer than this fails on every live rank with
  /// an error naming the operation; PyTorch's default is 30 minutes
  TORCH_ARG(std::chrono::milliseconds, timeout) = std::chrono::minutes(30);
  /// use CUDA tensors (decides "auto")
  TORCH_ARG(bool, cuda) = false;
};

/// Whether this build of strata has c10d (false: ProcessGroup::init throws saying why).
bool distributed_available();
/// The backends compiled in, e.g. "gloo" or "gloo, nccl".
std::string distributed_backends();

/// One asynchronous collective; wait() rethrows its failure as a strata::Error.
class CollectiveWork {
 public:
  class Impl;
  explicit CollectiveWork(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  void wait();

 private:
  std::shared_ptr<Impl> impl_;
};

class ProcessGroup {
 public:
  /// Joins the job described by `env` (usually DistributedEnv::from_environment()): rank 0 hosts
  /// the TCPStore unless torchrun's agent does; every rank checks that the others agree on
  /// WORLD_SIZE and that no RANK is taken twice, then the backend connects. Errors name what is
  /// wrong; a missing peer fails after `timeout`.
  static std::shared_ptr<ProcessGroup> init(const DistributedEnv& env, ProcessGroupOptions options = {});
  /// init(DistributedEnv::from_environment(), options).
  static std::shared_ptr<ProcessGroup> from_environment(ProcessGroupOptions options = {});

  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int world_size() const;
  /// The rank on this machine (LOCAL_RANK): which GPU this process uses.
  int local_rank() const;
  const std::string& backend() const;
  std::chrono::milliseconds timeout() const;

  /// Sums `tensors` (any shapes and dtypes; each dtype and device is sent as one flat message)
  /// over the ranks, in place.
  void all_reduce_sum(std::vector<at::Tensor>& tensors);
  /// Starts summing one dense tensor over the ranks, in place; the result is there after wait().
  CollectiveWork all_reduce_sum_async(at::Tensor tensor);
  /// Elementwise maximum over the ranks, in place.
  void all_reduce_max(std::vector<at::Tensor>& tensors);
  /// Copies rank `root`'s tensors into every rank's, in place (coalesced like all_reduce_sum).
  void broadcast(std::vector<at::Tensor>& tensors, int root = 0);
  /// Every rank's `tensor` (same shape and dtype on all ranks), in rank order.
  std::vector<at::Tensor> all_gather(const at::Tensor& tensor);
  /// Returns once every rank has called it.
  void barrier();

  class Impl;

 private:
  explicit ProcessGroup(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

using ProcessGroupPtr = std::shared_ptr<ProcessGroup>;

}  // namespace strata
