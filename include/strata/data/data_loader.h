#pragma once
/// fastai DataLoader in C++: worker threads, a bounded prefetch, and results that depend only on
/// (seed, epoch, index), never on the number of workers or their timing.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <torch/arg.h>
#include <c10/core/Device.h>

#include "strata/data/collate.h"
#include "strata/data/item_source.h"
#include "strata/transforms/pipeline.h"

namespace strata {

/// This process's part of every epoch in data-parallel training.
struct Shard {
  enum class Mode {
    /// PyTorch's DistributedSampler: the epoch's order padded (by repeating its start) to a
    /// multiple of world_size, rank r taking positions r, r + world_size, ...; every rank gets as
    /// many items, so every rank runs as many batches (training)
    interleaved,
    /// rank r takes the r-th contiguous slice of the order, unpadded, so every item counts once
    /// and the slices in rank order are the whole set in order (validation)
    contiguous
  };
  int rank = 0;
  int world_size = 1;
  Mode mode = Mode::interleaved;
};

struct DataLoaderOptions {
  /// batch size (fastai bs)
  TORCH_ARG(std::int64_t, bs) = 64;
  /// a new random order every epoch (fastai: training loaders)
  TORCH_ARG(bool, shuffle) = false;
  /// drop the last partial batch (fastai: training loaders)
  TORCH_ARG(bool, drop_last) = false;
  /// worker threads building batches; 0: in the calling thread; -1: one per hardware thread
  TORCH_ARG(int, num_workers) = -1;
  /// batches prepared ahead of the consumer (0: 2 per worker)
  TORCH_ARG(int, prefetch) = 0;
  /// seed of shuffling and of every item's random transforms (nullopt: strata::default_seed())
  TORCH_ARG(std::optional<std::uint64_t>, seed) = std::nullopt;
  /// where batches go before after_batch runs (fastai device)
  TORCH_ARG(c10::Device, device) = c10::Device(c10::kCPU);
  /// page-locked batches and non_blocking copies (CUDA only; ignored on CPU)
  TORCH_ARG(bool, pin_memory) = false;
  /// per item, in the worker (fastai after_item)
  TORCH_ARG(Pipeline, after_item) = {};
  /// on the list of items before collating, in the worker (fastai before_batch)
  TORCH_ARG(std::function<std::vector<Item>(std::vector<Item>)>, before_batch) = nullptr;
  /// per batch, on `device`, in the consuming thread (fastai after_batch)
  TORCH_ARG(Pipeline, after_batch) = {};
  /// leave out items whose loading or transforms fail with a strata::Error (a corrupt image, a
  /// label function that throws), each with one warning naming it, instead of stopping; the
  /// count is logged at the end of each epoch and kept in skipped_items(). Off: the first bad item
  /// stops the epoch with an error naming it.
  TORCH_ARG(bool, skip_bad_items) = false;
  /// the part of each epoch this process loads (default: all of it)
  TORCH_ARG(Shard, shard) = {};
  /// how items become a batch (fastai create_batch); empty: strata::collate, which stacks straight
  /// into pinned memory when pin_memory is on for a CUDA device
  TORCH_ARG(CollateFn, collate) = nullptr;
};

/// Iterate with `for (Item batch : loader)`: every full pass is one epoch; the next pass uses the
/// next epoch's order and augmentation. Errors from workers surface in the consuming thread with
/// the batch, the item index and the raw item (file name); stopping early or throwing joins every
/// worker.
class DataLoader {
 public:
  DataLoader(ItemSourcePtr source, DataLoaderOptions options);

  /// Number of batches per epoch (fastai len(dl)), of this process's shard.
  std::size_t size() const;
  /// Items in the source (all shards).
  std::size_t n_items() const { return source_->size(); }
  /// Items this process loads per epoch (n_items() unless sharded).
  std::size_t shard_size() const;
  /// Items left out so far under skip_bad_items (all epochs, this loader and its copies).
  std::size_t skipped_items() const { return skipped_->load(); }
  const DataLoaderOptions& options() const { return options_; }
  const ItemSourcePtr& source() const { return source_; }
  /// The seed of shuffling and random transforms (the option, or strata::default_seed()).
  std::uint64_t seed() const { return seed_; }
  /// The epoch the next iteration will use (each iteration then advances it).
  std::uint64_t epoch() const { return epoch_; }
  void set_epoch(std::uint64_t epoch) { epoch_ = epoch; }
  /// Adds transforms to after_batch (fastai dl.after_batch.add), e.g. the Normalize that
  /// vision_learner adds for pretrained statistics.
  void add_after_batch(std::vector<TransformPtr> tfms) { options_.after_batch().add(std::move(tfms)); }
  /// A copy with other options (fastai dl.new), e.g. shuffle off for predictions.
  DataLoader with_options(DataLoaderOptions options) const { return DataLoader(source_, std::move(options)); }
  /// A copy in item order that keeps the last partial batch (for predictions and plots).
  DataLoader ordered() const { return with_options(DataLoaderOptions(options_).shuffle(false).drop_last(false)); }

  /// The order of item indices for `epoch` (this shard's part of it).
  std::vector<std::size_t> order(std::uint64_t epoch) const;
  /// Batch `b` of `epoch` built in the calling thread, before device transfer and after_batch.
  Item build_batch(std::uint64_t epoch, std::size_t b, const std::vector<std::size_t>& order) const;
  /// Moves collated batch `b` of `epoch` to the device and runs after_batch (what iteration does
  /// last; random batch transforms draw from a generator of (seed, epoch, b)).
  Item finish_batch(Item batch, std::uint64_t epoch, std::size_t b) const;
  /// The first batch of the next epoch (fastai one_batch), without advancing the epoch.
  Item one_batch() const;
  /// Undoes after_batch then the item transforms' decodes, for display: a batch of uint8 images
  /// and category indices (decode single items with source()->decode).
  Item decode_batch(Item batch) const;

  class Iterator;
  Iterator begin();
  Iterator end();

 private:
  /// Runs after_batch on a batch already on the device.
  Item apply_after_batch(Item batch, std::uint64_t epoch, std::size_t b) const;

  ItemSourcePtr source_;
  DataLoaderOptions options_;
  std::uint64_t seed_;
  std::uint64_t epoch_ = 0;
  std::shared_ptr<std::atomic<std::size_t>> skipped_ = std::make_shared<std::atomic<std::size_t>>(0);
};

class DataLoader::Iterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = Item;
  using difference_type = std::ptrdiff_t;
  using pointer = Item*;
  using reference = Item&;

  Iterator() = default;
  Item& operator*() { return current_; }
  Iterator& operator++();
  bool operator==(const Iterator& other) const { return done() == other.done(); }
  bool operator!=(const Iterator& other) const { return !(*this == other); }

 private:
  friend class DataLoader;
  class Stream;
  explicit Iterator(std::shared_ptr<Stream> stream);
  bool done() const { return !stream_; }
  std::shared_ptr<Stream> stream_;
  Item current_;
};

}  // namespace strata
