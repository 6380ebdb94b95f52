#include "strata/distributed/gradient_reducer.h"

#include <chrono>
#include <mutex>
#include <optional>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/autograd/variable.h>

#include "strata/core/error.h"

namespace strata {

std::vector<bool> requires_grad_flags(const std::vector<at::Tensor>& parameters) {
  std::vector<bool> flags;
  flags.reserve(parameters.size());
  for (const auto& p : parameters) flags.push_back(p.requires_grad());
  return flags;
}

class GradientReducer::Impl {
 public:
  struct Bucket {
    std::vector<std::size_t> params;  // indices into params_
    std::vector<std::int64_t> offsets;
    at::Tensor flat;
    std::size_t n_ready = 0;
    std::optional<CollectiveWork> work;
  };

  Impl(ProcessGroupPtr pg, std::vector<at::Tensor> parameters, const GradientReducerOptions& options)
      : pg_(std::move(pg)), params_(std::move(parameters)), trainable_(requires_grad_flags(params_)) {
    STRATA_CHECK(pg_ != nullptr, "GradientReducer: the process group is null");
    STRATA_CHECK(options.bucket_cap_mb() > 0, "GradientReducer: bucket_cap_mb must be positive, got {}",
                 options.bucket_cap_mb());
    const auto cap = static_cast<std::int64_t>(options.bucket_cap_mb() * 1024 * 1024);
    bucket_of_.assign(params_.size(), kNone);
    slot_of_.assign(params_.size(), 0);
    ready_.assign(params_.size(), false);
    // Reverse order: the last layers' gradients come first in backward.
    for (std::size_t k = params_.size(); k-- > 0;) {
      const auto& p = params_[k];
      if (!p.requires_grad()) continue;
      STRATA_CHECK(p.is_floating_point(), "GradientReducer: parameter {} ({}) is not floating point", k,
                   shape_str(p.sizes()));
      const bool fits = !buckets_.empty() && bucket_bytes_ + p.nbytes() <= static_cast<std::size_t>(cap) &&
                        params_[buckets_.back().params.front()].options().type_equal(p.options());
      if (!fits) {
        buckets_.emplace_back();
        bucket_bytes_ = 0;
      }
      Bucket& b = buckets_.back();
      b.offsets.push_back(b.params.empty() ? 0 : b.offsets.back() + params_[b.params.back()].numel());
      slot_of_[k] = b.params.size();
      b.params.push_back(k);
      bucket_bytes_ += p.nbytes();
      bucket_of_[k] = buckets_.size() - 1;
    }
    for (auto& b : buckets_) {
      const auto& last = params_[b.params.back()];
      b.flat = at::zeros({b.offsets.back() + last.numel()}, last.options().requires_grad(false));
      bytes_per_step_ += b.flat.nbytes();
    }
    for (std::size_t k = 0; k < params_.size(); ++k)
      if (bucket_of_[k] != kNone) hook(k);
  }

  ~Impl() {
    for (auto& [node, key] : hooks_) node->del_post_hook(key);
  }

  // Runs in the autograd thread once param k's gradient is accumulated into .grad.
  void mark_ready(std::size_t k) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ready_[k]) return;
    ready_[k] = true;
    Bucket& b = buckets_[bucket_of_[k]];
    copy_in(b, k);
    ++b.n_ready;
    launch_ready();
  }

  void finish() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++step_;
    // Buckets with parameters that got no gradient: zeros stand in for them.
    for (auto& b : buckets_)
      if (b.n_ready < b.params.size()) {
        for (std::size_t j = 0; j < b.params.size(); ++j)
          if (!ready_[b.params[j]]) slice(b, j).zero_();
        b.n_ready = b.params.size();
      }
    launch_ready();
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      try {
        buckets_[i].work->wait();
      } catch (const Error& e) {
        reset_step();
        STRATA_FAIL(Error, "gradient all-reduce of bucket {} of {} at step {}: {}", i + 1, buckets_.size(), step_,
                    e.what());
      }
    }
    wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    at::NoGradGuard no_grad;
    const double scale = 1.0 / pg_->world_size();
    for (auto& b : buckets_) {
      b.flat.mul_(scale);
      for (std::size_t j = 0; j < b.params.size(); ++j) {
        auto& p = params_[b.params[j]];
        const at::Tensor mean = slice(b, j).view(p.sizes());
        if (p.grad().defined())
          p.mutable_grad().copy_(mean);
        else if (mean.ne(0).any().item<bool>())  // unused here, used on another rank
          p.mutable_grad() = mean.clone();
      }
    }
    reset_step();
  }

  std::size_t n_buckets() const { return buckets_.size(); }
  const std::vector<bool>& trainable() const { return trainable_; }
  double wait_seconds() const { return wait_seconds_; }
  std::size_t bytes_per_step() const { return bytes_per_step_; }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  class ReadyHook : public torch::autograd::FunctionPostHook {
   public:
    ReadyHook(Impl* owner, std::size_t k) : owner_(owner), k_(k) {}
    torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                              const torch::autograd::variable_list&) override {
      owner_->mark_ready(k_);
      return outputs;
    }

   private:
    Impl* owner_;
    std::size_t k_;
  };

  void hook(std::size_t k) {
    // The accumulator is held here: a leaf only keeps a weak reference, and a new accumulator
    // (without the hook) would be made if this one died between steps.
    auto node = torch::autograd::impl::grad_accumulator(params_[k]);
    STRATA_CHECK(node != nullptr, "GradientReducer: parameter {} has no gradient accumulator (not a leaf?)", k);
    const auto key = node->add_post_hook(std::make_unique<ReadyHook>(this, k));
    hooks_.emplace_back(std::move(node), key);
  }

  at::Tensor slice(Bucket& b, std::size_t j) {
    return b.flat.narrow(0, b.offsets[j], params_[b.params[j]].numel());
  }

  void copy_in(Bucket& b, std::size_t k) {
    const std::size_t j = slot_of_[k];
    at::NoGradGuard no_grad;
    const auto& grad = params_[k].grad();
    STRATA_CHECK(!grad.defined() || grad.layout() == at::kStrided,
                 "GradientReducer: parameter {} has a sparse gradient, which is not supported", k);
    if (grad.defined())
      slice(b, j).copy_(grad.reshape(-1));
    else
      slice(b, j).zero_();
  }

  // Buckets start strictly in index order, so every rank issues the same sequence of collectives
  // even when gradients become ready in a different order.
  void launch_ready() {
    while (next_ < buckets_.size() && buckets_[next_].n_ready == buckets_[next_].params.size()) {
      buckets_[next_].work = pg_->all_reduce_sum_async(buckets_[next_].flat);
      ++next_;
    }
  }

  void reset_step() {
    next_ = 0;
    ready_.assign(params_.size(), false);
    for (auto& b : buckets_) {
      b.n_ready = 0;
      b.work.reset();
    }
  }

  ProcessGroupPtr pg_;
  std::vector<at::Tensor> params_;
  std::vector<bool> trainable_;
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> bucket_of_, slot_of_;  // param -> its bucket, its place in it
  std::vector<bool> ready_;
  std::size_t next_ = 0;
  std::size_t bucket_bytes_ = 0;
  std::size_t bytes_per_step_ = 0;
  std::int64_t step_ = 0;
  double wait_seconds_ = 0;
  std::vector<std::pair<std::shared_ptr<torch::autograd::Node>, std::uintptr_t>> hooks_;
  std::mutex mutex_;
};

GradientReducer::GradientReducer(ProcessGroupPtr process_group, std::vector<at::Tensor> parameters,
                                 GradientReducerOptions options)
    : impl_(std::make_unique<Impl>(std::move(process_group), std::move(parameters), options)) {}
GradientReducer::~GradientReducer() = default;
void GradientReducer::finish() { impl_->finish(); }
std::size_t GradientReducer::n_buckets() const { return impl_->n_buckets(); }
const std::vector<bool>& GradientReducer::trainable() const { return impl_->trainable(); }
double GradientReducer::wait_seconds() const { return impl_->wait_seconds(); }
std::size_t GradientReducer::bytes_per_step() const { return impl_->bytes_per_step(); }

}  // namespace strata
