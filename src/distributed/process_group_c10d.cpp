// The c10d process group: TCPStore rendezvous, strata's membership checks, then Gloo (or NCCL).
// Only this file sees c10d's and Gloo's headers; it is compiled with USE_C10D_GLOO (and
// USE_C10D_NCCL when NCCL is found), which the Torch CMake config does not define for users.

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <string>

#include <ATen/ATen.h>
#include <torch/version.h>

#include "process_group_impl.h"
#include "strata/core/error.h"

namespace strata::detail {
namespace {

// ProcessGroupGloo is a c10d::Backend from LibTorch 2.0 on, a c10d::ProcessGroup before.
#if TORCH_VERSION_MAJOR >= 2
using C10dBackend = c10d::Backend;
#else
using C10dBackend = c10d::ProcessGroup;
#endif

// c10::Error's what() carries a C++ backtrace; messages keep the first line only.
std::string short_message(const std::exception& e) {
  std::string text = e.what();
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) text = c10_error->what_without_backtrace();
  const auto eol = text.find('\n');
  return eol == std::string::npos ? text : text.substr(0, eol);
}

struct Where {
  int rank, world_size;
  std::string backend;
  std::chrono::milliseconds timeout;
  std::string describe(const std::string& what) const {
    return fmt::format("distributed: {} failed on rank {} of {} ({}, timeout {:.1f} s): ", what, rank, world_size,
                       backend, static_cast<double>(timeout.count()) / 1000.0);
  }
};

class C10dWork : public CollectiveWork::Impl {
 public:
  C10dWork(c10::intrusive_ptr<c10d::Work> work, Where where, std::string what)
      : work_(std::move(work)), where_(std::move(where)), what_(std::move(what)) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception& e) {
      throw Error(where_.describe(what_) + short_message(e));
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  Where where_;
  std::string what_;
};

class C10dProcessGroup : public ProcessGroup::Impl {
 public:
  explicit C10dProcessGroup(c10::intrusive_ptr<C10dBackend> backend) : backend_(std::move(backend)) {}

  std::shared_ptr<CollectiveWork::Impl> all_reduce(at::Tensor tensor, bool max) override {
    c10d::AllreduceOptions options;
    options.reduceOp = max ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM;
    std::vector<at::Tensor> tensors{std::move(tensor)};
    return launch(fmt::format("all_reduce ({}) of {} values", max ? "max" : "sum", tensors[0].numel()),
                  [&] { return backend_->allreduce(tensors, options); });
  }

  std::shared_ptr<CollectiveWork::Impl> broadcast(at::Tensor tensor, int root) override {
    c10d::BroadcastOptions options;
    options.rootRank = root;
    std::vector<at::Tensor> tensors{std::move(tensor)};
    return launch(fmt::format("broadcast of {} values from rank {}", tensors[0].numel(), root),
                  [&] { return backend_->broadcast(tensors, options); });
  }

  std::vector<at::Tensor> all_gather(const at::Tensor& tensor) override {
    std::vector<at::Tensor> input{tensor.contiguous()};
    std::vector<std::vector<at::Tensor>> output(1);
    for (int r = 0; r < world_size; ++r) output[0].push_back(at::empty_like(input[0]));
    launch(fmt::format("all_gather of a {} tensor", shape_str(tensor.sizes())),
           [&] { return backend_->allgather(output, input); })
        ->wait();
    return output[0];
  }

  void barrier() override {
    launch("barrier", [&] { return backend_->barrier(); })->wait();
  }

 private:
  template <typename Launch>
  std::shared_ptr<CollectiveWork::Impl> launch(const std::string& what, Launch&& start) {
    const Where where{rank, world_size, backend, timeout};
    try {
      return std::make_shared<C10dWork>(start(), where, what);
    } catch (const std::exception& e) {
      throw Error(where.describe(what) + short_message(e));
    }
  }

  c10::intrusive_ptr<C10dBackend> backend_;
};

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0; }

c10::intrusive_ptr<c10d::Store> connect_store(const DistributedEnv& env, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(env.master_port);
  options.isServer = env.rank == 0 && !env.use_agent_store;
  options.waitWorkers = false;  // membership is checked below, with messages that say who is missing
  options.timeout = timeout;
  options.multiTenant = true;
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& e) {
    STRATA_FAIL(Error, "distributed: rank {} {} the rendezvous store at MASTER_ADDR={} MASTER_PORT={}: {}", env.rank,
                options.isServer ? "cannot host" : "cannot reach", env.master_addr, env.master_port,
                short_message(e));
  }
  // torchrun's agent store is shared by restarts: PyTorch keys each attempt apart.
  const std::string prefix = env.use_agent_store ? fmt::format("/worker/attempt_{}", env.restart_count) : "strata";
  return c10::make_intrusive<c10d::PrefixStore>(prefix, store);
}

std::vector<std::uint8_t> to_bytes(const std::string& text) { return {text.begin(), text.end()}; }

// Every rank claims its RANK and publishes its WORLD_SIZE; each then reads all the others', so a
// duplicated RANK, a disagreeing WORLD_SIZE or a rank that never starts is named, not a hang.
void check_membership(c10d::Store& store, const DistributedEnv& env, std::chrono::milliseconds timeout) {
  const auto claims = store.add(fmt::format("rank_claims/{}", env.rank), 1);
  STRATA_CHECK(claims == 1, "distributed: RANK={} is used by {} processes; each process needs its own RANK",
               env.rank, claims);
  store.set(fmt::format("world_size/{}", env.rank), to_bytes(std::to_string(env.world_size)));
  for (int other = 0; other < env.world_size; ++other) {
    const std::string key = fmt::format("world_size/{}", other);
    try {
      store.wait({key}, timeout);
    } catch (const std::exception& e) {
      STRATA_FAIL(Error,
                  "distributed: rank {} waited {:.1f} s for rank {} of WORLD_SIZE={} to join {}:{}; it did not "
                  "(is it started, with the same MASTER_ADDR/MASTER_PORT?): {}",
                  env.rank, static_cast<double>(timeout.count()) / 1000.0, other, env.world_size, env.master_addr,
                  env.master_port, short_message(e));
    }
    const auto bytes = store.get(key);
    const std::string theirs(bytes.begin(), bytes.end());
    STRATA_CHECK(theirs == std::to_string(env.world_size),
                 "distributed: WORLD_SIZE differs between ranks: rank {} has {}, rank {} has {}", env.rank,
                 env.world_size, other, theirs);
  }
}

c10::intrusive_ptr<C10dBackend> make_gloo(const c10::intrusive_ptr<c10d::Store>& store, const DistributedEnv& env,
                                          std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else if (is_loopback(env.master_addr))
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("gloo", store),
                                                      env.rank, env.world_size, options);
}

#ifdef USE_C10D_NCCL
c10::intrusive_ptr<C10dBackend> make_nccl(const c10::intrusive_ptr<c10d::Store>& store, const DistributedEnv& env,
                                          std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("nccl", store),
                                                      env.rank, env.world_size, options);
}
#endif

}  // namespace

std::unique_ptr<ProcessGroup::Impl> make_c10d_process_group(const DistributedEnv& env,
                                                             const ProcessGroupOptions& options) {
  std::string backend = options.backend();
  if (backend == "auto") backend = options.cuda() && c10d_backends().find("nccl") != std::string::npos ? "nccl" : "gloo";
  const auto store = connect_store(env, options.timeout());
  check_membership(*store, env, options.timeout());
  c10::intrusive_ptr<C10dBackend> c10d_backend;
  try {
    if (backend == "gloo") c10d_backend = make_gloo(store, env, options.timeout());
#ifdef USE_C10D_NCCL
    if (backend == "nccl") c10d_backend = make_nccl(store, env, options.timeout());
#endif
  } catch (const std::exception& e) {
    STRATA_FAIL(Error, "distributed: rank {} of {} could not start {}: {}", env.rank, env.world_size, backend,
                short_message(e));
  }
  STRATA_CHECK(c10d_backend, "distributed: backend \"{}\" is not built into this strata (it has: {})", backend,
               c10d_backends());
  auto impl = std::make_unique<C10dProcessGroup>(std::move(c10d_backend));
  impl->rank = env.rank;
  impl->world_size = env.world_size;
  impl->local_rank = env.local_rank;
  impl->backend = backend;
  impl->timeout = options.timeout();
  return impl;
}

bool c10d_available() { return true; }

std::string c10d_backends() {
#ifdef USE_C10D_NCCL
  return "gloo, nccl";
#else
  return "gloo";
#endif
}

}  // namespace strata::detail
