#pragma once
// What ProcessGroup forwards to: the c10d backend when strata is built with it. Kept apart so
// that only process_group_c10d.cpp sees c10d's and Gloo's headers.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "strata/distributed/process_group.h"

namespace strata {

class CollectiveWork::Impl {
 public:
  virtual ~Impl() = default;
  virtual void wait() = 0;
};

class ProcessGroup::Impl {
 public:
  virtual ~Impl() = default;
  // One dense, contiguous tensor each (c10d's tensor lists mean one tensor per device).
  virtual std::shared_ptr<CollectiveWork::Impl> all_reduce(at::Tensor tensor, bool max) = 0;
  virtual std::shared_ptr<CollectiveWork::Impl> broadcast(at::Tensor tensor, int root) = 0;
  virtual std::vector<at::Tensor> all_gather(const at::Tensor& tensor) = 0;
  virtual void barrier() = 0;

  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string backend;
  std::chrono::milliseconds timeout{0};
};

namespace detail {
/// The c10d process group (process_group_c10d.cpp), or a clear error when built without it
/// (process_group_unavailable.cpp).
std::unique_ptr<ProcessGroup::Impl> make_c10d_process_group(const DistributedEnv& env,
                                                             const ProcessGroupOptions& options);
bool c10d_available();
std::string c10d_backends();
}  // namespace detail

}  // namespace strata
