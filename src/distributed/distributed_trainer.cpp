#include "strata/distributed/distributed_trainer.h"

#include <algorithm>

#include <torch/torch.h>

#include "strata/core/error.h"
#include "strata/learner/learner.h"

namespace strata {
namespace {

// Small bookkeeping tensors go where the batches are: NCCL only communicates CUDA tensors.
at::Tensor on_data_device(Learner& l, at::Tensor t) { return t.to(l.dls().device()); }

// Every rank's rows of `local` (dim 0 may differ between ranks), concatenated in rank order.
at::Tensor gather_rows(ProcessGroup& pg, const at::Tensor& local) {
  const auto counts = pg.all_gather(at::tensor({local.size(0)}, at::kLong).to(local.device()));
  std::int64_t most = 0;
  for (const auto& c : counts) most = std::max(most, c.item<std::int64_t>());
  auto sizes = local.sizes().vec();
  sizes[0] = most;
  at::Tensor padded = at::zeros(sizes, local.options());
  padded.narrow(0, 0, local.size(0)).copy_(local);
  const auto parts = pg.all_gather(padded);
  std::vector<at::Tensor> rows;
  for (std::size_t r = 0; r < parts.size(); ++r) rows.push_back(parts[r].narrow(0, 0, counts[r].item<std::int64_t>()));
  return at::cat(rows);
}

}  // namespace

DistributedTrainer::DistributedTrainer(ProcessGroupPtr process_group, DistributedOptions options)
    : pg_(std::move(process_group)), options_(std::move(options)) {
  STRATA_CHECK(pg_ != nullptr, "DistributedTrainer: the process group is null");
}

void DistributedTrainer::sync_model(Learner& l, bool parameters) {
  std::vector<at::Tensor> tensors = l.module().buffers();
  if (parameters)
    for (auto& p : l.module().parameters()) tensors.push_back(p);
  pg_->broadcast(tensors, 0);
}

void DistributedTrainer::before_fit(Learner& l) {
  l.set_rank(pg_->rank());
  in_fit_ = true;
  // The same model everywhere, or the bucket collectives would pair unrelated tensors.
  const auto params = l.module().parameters();
  std::int64_t numel = 0;
  for (const auto& p : params) numel += p.numel();
  const auto mine = on_data_device(l, at::tensor({static_cast<std::int64_t>(params.size()), numel}, at::kLong));
  const auto all = pg_->all_gather(mine);
  for (std::size_t r = 0; r < all.size(); ++r)
    STRATA_CHECK(all[r].equal(mine),
                 "DistributedTrainer: the model differs between ranks: rank {} has {} parameter tensors ({} "
                 "values), rank {} has {} ({} values)",
                 pg_->rank(), params.size(), numel, r, all[r][0].item<std::int64_t>(), all[r][1].item<std::int64_t>());
  sync_model(l, true);
  // Shards are disjoint only if every rank shuffles alike: rank 0's seed everywhere.
  std::vector<at::Tensor> seed{on_data_device(l, at::tensor({static_cast<std::int64_t>(l.dls().train().seed())}, at::kLong))};
  pg_->broadcast(seed, 0);
  train_seed_ = static_cast<std::uint64_t>(seed[0].item<std::int64_t>());
  reducer_ = std::make_unique<GradientReducer>(pg_, params, GradientReducerOptions().bucket_cap_mb(options_.bucket_cap_mb()));
  was_logging_ = l.logging;
  if (pg_->rank() != 0) l.logging = false;
}

void DistributedTrainer::before_train(Learner& l) {
  DataLoader& train = l.dls().train();
  train_shard_.emplace(train.with_options(DataLoaderOptions(train.options())
                                              .seed(train_seed_)
                                              .shard({pg_->rank(), pg_->world_size(), Shard::Mode::interleaved})));
  train_shard_->set_epoch(train.epoch());
  l.dl = &*train_shard_;
}

void DistributedTrainer::before_batch(Learner& l) {
  // freeze / unfreeze inside a fit (or a callback changing requires_grad): new buckets, on every
  // rank alike since every rank runs the same code.
  if (l.training && requires_grad_flags(l.module().parameters()) != reducer_->trainable()) {
    reducer_.reset();
    reducer_ = std::make_unique<GradientReducer>(pg_, l.module().parameters(),
                                                 GradientReducerOptions().bucket_cap_mb(options_.bucket_cap_mb()));
  }
}

void DistributedTrainer::after_backward(Learner&) { reducer_->finish(); }

void DistributedTrainer::after_batch(Learner& l) {
  if (l.yb.empty()) return;
  if (l.training) {
    // The Recorder (order 50) then smooths the mean loss of all ranks' batches.
    std::vector<at::Tensor> loss{l.loss.detach().to(at::kDouble).reshape({1})};
    pg_->all_reduce_sum(loss);
    l.loss = (loss[0] / pg_->world_size()).reshape({}).to(l.loss.scalar_type());
  } else if (valid_shard_ && !l.metrics().empty()) {
    valid_preds_.push_back(l.pred.detach());
    valid_targets_.push_back(l.yb[0].tensor());
  }
}

void DistributedTrainer::restore_train_epoch(Learner& l) {
  if (train_shard_) l.dls().train().set_epoch(train_shard_->epoch());
}

void DistributedTrainer::after_train(Learner& l) { restore_train_epoch(l); }
void DistributedTrainer::after_cancel_train(Learner& l) { restore_train_epoch(l); }

void DistributedTrainer::before_validate(Learner& l) {
  valid_shard_.reset();
  if (!in_fit_) return;  // validate / get_preds outside a fit: every rank evaluates what it is given
  sync_model(l, false);  // BatchNorm statistics: validate rank 0's model everywhere
  valid_preds_.clear();
  valid_targets_.clear();
  DataLoader& valid = l.dls().valid();
  if (!options_.shard_valid() || valid.n_items() < static_cast<std::size_t>(pg_->world_size())) return;
  valid_shard_.emplace(valid.with_options(
      DataLoaderOptions(valid.options()).shard({pg_->rank(), pg_->world_size(), Shard::Mode::contiguous})));
  valid_shard_->set_epoch(valid.epoch());
  l.dl = &*valid_shard_;
}

void DistributedTrainer::after_validate(Learner& l) {
  if (!valid_shard_) return;
  l.dls().valid().set_epoch(valid_shard_->epoch());
  auto [total, count] = l.recorder().valid_totals();
  std::vector<at::Tensor> totals{on_data_device(l, at::tensor({total, static_cast<double>(count)}, at::kDouble))};
  pg_->all_reduce_sum(totals);
  l.recorder().set_valid_totals(totals[0][0].item<double>(), static_cast<std::int64_t>(totals[0][1].item<double>()));
  if (l.metrics().empty()) return;
  // Metrics over all ranks' predictions, in the single-process order and batches: the contiguous
  // shards in rank order are the validation set in order.
  const at::Tensor local_preds = at::cat(valid_preds_), local_targets = at::cat(valid_targets_);
  const at::Tensor preds = gather_rows(*pg_, local_preds), targets = gather_rows(*pg_, local_targets);
  const auto bs = l.dls().valid().options().bs();
  for (const auto& m : l.metrics()) {
    m->reset();
    for (std::int64_t start = 0; start < preds.size(0); start += bs) {
      const auto n = std::min(bs, preds.size(0) - start);
      m->accumulate(preds.narrow(0, start, n), targets.narrow(0, start, n));
    }
  }
  valid_preds_.clear();
  valid_targets_.clear();
}

void DistributedTrainer::after_fit(Learner& l) {
  in_fit_ = false;
  l.logging = was_logging_;
  reducer_.reset();
  train_shard_.reset();
  valid_shard_.reset();
  // Rank 0 saved its checkpoints before this point; a callback that loads one at the end of the
  // fit (SaveModel, order 61) must not read it before rank 0 has written it.
  pg_->barrier();
}

std::shared_ptr<DistributedTrainer> to_distributed(Learner& learn, ProcessGroupPtr process_group,
                                                   DistributedOptions options) {
  const bool cuda = learn.dls().device().is_cuda();
  if (!process_group) {
    const auto env = DistributedEnv::from_environment();
    if (env.world_size == 1) return nullptr;
    process_group = ProcessGroup::init(env, ProcessGroupOptions().cuda(cuda));
  }
  if (cuda) learn.dls().to(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(process_group->local_rank())));
  learn.set_rank(process_group->rank());
  auto cb = std::make_shared<DistributedTrainer>(std::move(process_group), std::move(options));
  learn.add_cb(cb);
  return cb;
}

}  // namespace strata
