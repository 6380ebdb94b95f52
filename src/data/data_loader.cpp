#include "strata/data/data_loader.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include <ATen/ATen.h>

#include "strata/core/error.h"
#include "strata/core/logging.h"
#include "device_transfer.h"

namespace strata {
namespace {
// Distinct streams of the loader's seed: the order of an epoch, and each batch's transforms.
constexpr std::uint64_t kOrderStream = 0x0D4E5;
constexpr std::uint64_t kBatchStream = 0xBA7C4;
}  // namespace

DataLoader::DataLoader(ItemSourcePtr source, DataLoaderOptions options)
    : source_(std::move(source)), options_(std::move(options)), seed_(options_.seed().value_or(default_seed())) {
  STRATA_CHECK(source_ != nullptr, "DataLoader: the item source is null");
  STRATA_CHECK(options_.bs() > 0, "DataLoader: bs must be positive, got {}", options_.bs());
  STRATA_CHECK(options_.num_workers() >= -1, "DataLoader: num_workers must be >= -1, got {}", options_.num_workers());
  if (options_.num_workers() == -1)
    options_.num_workers(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  if (options_.prefetch() <= 0) options_.prefetch(2 * std::max(1, options_.num_workers()));
  const Shard& shard = options_.shard();
  STRATA_CHECK(shard.world_size >= 1 && shard.rank >= 0 && shard.rank < shard.world_size,
               "DataLoader: shard rank {} is outside 0..{} (world_size {})", shard.rank, shard.world_size - 1,
               shard.world_size);
}

std::size_t DataLoader::shard_size() const {
  const std::size_t n = source_->size(), w = static_cast<std::size_t>(options_.shard().world_size),
                    r = static_cast<std::size_t>(options_.shard().rank);
  if (w == 1) return n;
  if (options_.shard().mode == Shard::Mode::interleaved) return n == 0 ? 0 : (n + w - 1) / w;
  return n * (r + 1) / w - n * r / w;
}

std::size_t DataLoader::size() const {
  const std::size_t n = shard_size(), bs = static_cast<std::size_t>(options_.bs());
  return options_.drop_last() ? n / bs : (n + bs - 1) / bs;
}

std::vector<std::size_t> DataLoader::order(std::uint64_t epoch) const {
  std::vector<std::size_t> idx(source_->size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  if (options_.shuffle()) {
    Rng rng(derive_seed({seed_, epoch, kOrderStream}));
    std::shuffle(idx.begin(), idx.end(), rng.engine());
  }
  const Shard& shard = options_.shard();
  if (shard.world_size == 1 || idx.empty()) return idx;
  const std::size_t w = static_cast<std::size_t>(shard.world_size), r = static_cast<std::size_t>(shard.rank);
  std::vector<std::size_t> mine;
  mine.reserve(shard_size());
  if (shard.mode == Shard::Mode::contiguous) {
    const std::size_t n = idx.size();
    mine.assign(idx.begin() + static_cast<std::ptrdiff_t>(n * r / w), idx.begin() + static_cast<std::ptrdiff_t>(n * (r + 1) / w));
  } else {
    const std::size_t padded = shard_size() * w;
    for (std::size_t k = r; k < padded; k += w) mine.push_back(idx[k % idx.size()]);
  }
  return mine;
}

Item DataLoader::build_batch(std::uint64_t epoch, std::size_t b, const std::vector<std::size_t>& order) const {
  const std::size_t bs = static_cast<std::size_t>(options_.bs());
  const std::size_t start = b * bs, end = std::min(start + bs, order.size());
  STRATA_CHECK_INDEX(start < end, "DataLoader: batch {} is out of range ({} items, bs {})", b, order.size(), bs);
  std::vector<Item> items;
  items.reserve(end - start);
  for (std::size_t k = start; k < end; ++k) {
    const std::size_t idx = order[k];
    try {
      Rng rng(derive_seed({seed_, epoch, idx}));
      TransformContext ctx{source_->split(), &rng};
      Item item = source_->get(idx, ctx);
      items.push_back(options_.after_item()(std::move(item), ctx));
    } catch (const Error& e) {
      if (!options_.skip_bad_items())
        rethrow_with_context(
            fmt::format("DataLoader: item {} ({}) of batch {}: ", idx, source_->describe_raw(idx), b));
      ++*skipped_;
      logger()->warn("DataLoader: skipping item {} ({}): {}", idx, source_->describe_raw(idx), e.what());
    } catch (...) {
      rethrow_with_context(
          fmt::format("DataLoader: item {} ({}) of batch {}: ", idx, source_->describe_raw(idx), b));
    }
  }
  STRATA_CHECK(!items.empty(), "DataLoader: every item of batch {} is bad ({} skipped); nothing to collate", b,
               end - start);
  try {
    if (options_.before_batch()) items = options_.before_batch()(std::move(items));
    const bool pin = options_.pin_memory() && options_.device().is_cuda();
    Item batch = options_.collate() ? options_.collate()(items) : collate(items, pin);
    if (pin)  // a custom collate's batch is copied into pinned memory here
      for (auto& v : batch)
        if (!v.tensor().is_pinned()) v = v.with(v.tensor().pin_memory());
    return batch;
  } catch (...) {
    rethrow_with_context(fmt::format("DataLoader: batch {}: ", b));
  }
}

Item DataLoader::finish_batch(Item batch, std::uint64_t epoch, std::size_t b) const {
  const bool non_blocking = options_.pin_memory() && options_.device().is_cuda();
  for (auto& v : batch)
    if (!v.is_text()) v = v.with(v.tensor().to(options_.device(), non_blocking));
  return apply_after_batch(std::move(batch), epoch, b);
}

Item DataLoader::apply_after_batch(Item batch, std::uint64_t epoch, std::size_t b) const {
  // Each rank's batch b gets its own random batch transforms (single process: as before).
  const auto rank = static_cast<std::uint64_t>(options_.shard().rank);
  Rng rng(options_.shard().world_size == 1 ? derive_seed({seed_, epoch, b, kBatchStream})
                                           : derive_seed({seed_, epoch, b, kBatchStream, rank}));
  TransformContext ctx{source_->split(), &rng};
  return options_.after_batch()(std::move(batch), ctx);
}

Item DataLoader::one_batch() const {
  STRATA_CHECK(size() > 0, "one_batch: the loader has no batch ({} items, bs {}, drop_last {})", source_->size(),
               options_.bs(), options_.drop_last());
  const auto idx = order(epoch_);
  return finish_batch(build_batch(epoch_, 0, idx), epoch_, 0);
}

Item DataLoader::decode_batch(Item batch) const {
  batch = options_.after_batch().decode(std::move(batch));
  for (auto& v : batch)
    if (!v.is_text()) v = v.with(v.tensor().to(at::kCPU));
  return source_->decode(options_.after_item().decode(std::move(batch)));
}

// ---- iteration --------------------------------------------------------------------------------

class DataLoader::Iterator::Stream {
 public:
  Stream(DataLoader loader, std::uint64_t epoch)
      : loader_(std::move(loader)), epoch_(epoch), order_(loader_.order(epoch)), n_batches_(loader_.size()),
        transfer_(loader_.options().device(), loader_.options().pin_memory() && loader_.options().device().is_cuda()),
        skipped_at_start_(loader_.skipped_items()) {
    const int workers = loader_.options().num_workers();
    for (int w = 0; w < workers && static_cast<std::size_t>(w) < n_batches_; ++w) threads_.emplace_back([this] { work(); });
  }

  ~Stream() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    space_.notify_all();
    for (auto& t : threads_) t.join();
  }

  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  /// The next batch, or false at the end of the epoch. Rethrows a worker's error.
  bool next(Item& out) {
    if (next_out_ >= n_batches_) {
      const std::size_t skipped = loader_.skipped_items() - skipped_at_start_;
      if (skipped > 0 && !reported_)
        logger()->warn("DataLoader: {} bad item(s) skipped in epoch {} ({} items)", skipped, epoch_, order_.size());
      reported_ = true;
      return false;
    }
    std::size_t b = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);  // the workers' backpressure reads next_out_
      b = next_out_++;
    }
    space_.notify_all();
    if (!transfer_.staged()) transfer_.start(take_collated(b));
    Item on_device = transfer_.take();
    // The next batch's copy starts now when its worker is done, so on a GPU it overlaps the
    // computation on this one (a batch that failed keeps its error for its own turn).
    if (b + 1 < n_batches_ && collated_ok(b + 1)) transfer_.start(take_collated(b + 1));
    out = loader_.apply_after_batch(std::move(on_device), epoch_, b);
    return true;
  }

 private:
  struct Result {
    Item batch;
    std::exception_ptr error;
  };

  // Batch b before device transfer: built here without workers, else waited for.
  Item take_collated(std::size_t b) {
    if (threads_.empty()) return loader_.build_batch(epoch_, b, order_);
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return results_.count(b) != 0; });
    Result r = std::move(results_[b]);
    results_.erase(b);
    lock.unlock();
    space_.notify_all();
    if (r.error) std::rethrow_exception(r.error);
    return std::move(r.batch);
  }

  // Whether a worker has finished batch b without an error (never true without workers).
  bool collated_ok(std::size_t b) {
    if (threads_.empty()) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = results_.find(b);
    return it != results_.end() && !it->second.error;
  }

  void work() {
    const auto prefetch = static_cast<std::size_t>(loader_.options().prefetch());
    while (true) {
      std::size_t b = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [&] { return stop_ || next_task_ >= n_batches_ || next_task_ < next_out_ + prefetch; });
        if (stop_ || next_task_ >= n_batches_) return;
        b = next_task_++;
      }
      Result r;
      try {
        r.batch = loader_.build_batch(epoch_, b, order_);
      } catch (...) {
        r.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        results_[b] = std::move(r);
      }
      ready_.notify_all();
    }
  }

  DataLoader loader_;
  std::uint64_t epoch_;
  std::vector<std::size_t> order_;
  std::size_t n_batches_;
  detail::DeviceTransfer transfer_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::map<std::size_t, Result> results_;
  std::size_t next_task_ = 0, next_out_ = 0;
  bool stop_ = false;
  std::size_t skipped_at_start_;
  bool reported_ = false;
};

DataLoader::Iterator::Iterator(std::shared_ptr<Stream> stream) : stream_(std::move(stream)) {
  if (!stream_->next(current_)) stream_.reset();
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  if (stream_ && !stream_->next(current_)) stream_.reset();
  return *this;
}

DataLoader::Iterator DataLoader::begin() {
  const std::uint64_t epoch = epoch_++;
  return Iterator(std::make_shared<Iterator::Stream>(*this, epoch));
}

DataLoader::Iterator DataLoader::end() { return Iterator(); }

}  // namespace strata
