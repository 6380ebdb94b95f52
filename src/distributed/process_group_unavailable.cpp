// Built when LibTorch has no c10d with Gloo (see cmake/StrataDistributed.cmake).
#include "process_group_impl.h"

#include "strata/core/error.h"

namespace strata::detail {

std::unique_ptr<ProcessGroup::Impl> make_c10d_process_group(const DistributedEnv& env, const ProcessGroupOptions&) {
  STRATA_FAIL(Error,
              "distributed: this strata was built without c10d (its LibTorch has no "
              "torch/csrc/distributed/c10d/ProcessGroupGloo.hpp, or gloo's headers were not found; "
              "see the configure output), so WORLD_SIZE={} cannot be joined",
              env.world_size);
}

bool c10d_available() { return false; }
std::string c10d_backends() { return ""; }

}  // namespace strata::detail
