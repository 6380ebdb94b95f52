#include "strata/distributed/process_group.h"

#include <ATen/ATen.h>

#include "process_group_impl.h"
#include "strata/core/error.h"
#include "strata/core/logging.h"

namespace strata {

bool distributed_available() { return detail::c10d_available(); }
std::string distributed_backends() { return detail::c10d_backends(); }

void CollectiveWork::wait() {
  if (impl_) impl_->wait();
}

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProcessGroup::~ProcessGroup() = default;

std::shared_ptr<ProcessGroup> ProcessGroup::init(const DistributedEnv& env, ProcessGroupOptions options) {
  env.validate();
  STRATA_CHECK(options.backend() == "auto" || options.backend() == "gloo" || options.backend() == "nccl",
               "ProcessGroup: backend must be \"auto\", \"gloo\" or \"nccl\", got \"{}\"", options.backend());
  STRATA_CHECK(options.timeout().count() > 0, "ProcessGroup: timeout must be positive, got {} ms",
               options.timeout().count());
  auto impl = detail::make_c10d_process_group(env, options);
  logger()->info("distributed: rank {} of {} joined {}:{} ({})", impl->rank, impl->world_size, env.master_addr,
                 env.master_port, impl->backend);
  return std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(impl)));
}

std::shared_ptr<ProcessGroup> ProcessGroup::from_environment(ProcessGroupOptions options) {
  return init(DistributedEnv::from_environment(), std::move(options));
}

int ProcessGroup::rank() const { return impl_->rank; }
int ProcessGroup::world_size() const { return impl_->world_size; }
const std::string& ProcessGroup::backend() const { return impl_->backend; }
std::chrono::milliseconds ProcessGroup::timeout() const { return impl_->timeout; }

int ProcessGroup::local_rank() const { return impl_->local_rank; }

namespace {

// Runs `collective` once per (dtype, device) group of `tensors`, on one flat copy of the group,
// and copies the result back: one message instead of one per tensor.
template <typename Collective>
void coalesced(std::vector<at::Tensor>& tensors, Collective&& collective) {
  at::NoGradGuard no_grad;
  std::vector<bool> done(tensors.size(), false);
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (done[i]) continue;
    std::vector<std::size_t> group;
    for (std::size_t j = i; j < tensors.size(); ++j)
      if (!done[j] && tensors[j].options().type_equal(tensors[i].options())) {
        group.push_back(j);
        done[j] = true;
      }
    std::vector<at::Tensor> flat_parts;
    for (auto j : group) flat_parts.push_back(tensors[j].detach().reshape(-1));
    at::Tensor flat = at::cat(flat_parts);
    collective(flat);
    std::int64_t offset = 0;
    for (auto j : group) {
      const auto n = tensors[j].numel();
      tensors[j].detach().copy_(flat.narrow(0, offset, n).view(tensors[j].sizes()));
      offset += n;
    }
  }
}

}  // namespace

void ProcessGroup::all_reduce_sum(std::vector<at::Tensor>& tensors) {
  coalesced(tensors, [&](const at::Tensor& flat) { CollectiveWork(impl_->all_reduce(flat, false)).wait(); });
}

CollectiveWork ProcessGroup::all_reduce_sum_async(at::Tensor tensor) {
  STRATA_CHECK(tensor.is_contiguous() && tensor.layout() == at::kStrided,
               "ProcessGroup::all_reduce_sum_async: the tensor ({}) must be dense and contiguous",
               shape_str(tensor.sizes()));
  return CollectiveWork(impl_->all_reduce(std::move(tensor), false));
}

void ProcessGroup::all_reduce_max(std::vector<at::Tensor>& tensors) {
  coalesced(tensors, [&](const at::Tensor& flat) { CollectiveWork(impl_->all_reduce(flat, true)).wait(); });
}

void ProcessGroup::broadcast(std::vector<at::Tensor>& tensors, int root) {
  STRATA_CHECK_INDEX(root >= 0 && root < world_size(), "ProcessGroup::broadcast: root {} is outside 0..{}", root,
                     world_size() - 1);
  coalesced(tensors, [&](const at::Tensor& flat) { CollectiveWork(impl_->broadcast(flat, root)).wait(); });
}

std::vector<at::Tensor> ProcessGroup::all_gather(const at::Tensor& tensor) { return impl_->all_gather(tensor); }

void ProcessGroup::barrier() { impl_->barrier(); }

}  // namespace strata
