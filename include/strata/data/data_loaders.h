#pragma once
/// fastai DataLoaders: the training and validation loaders, and how TfmdLists/Datasets make them.

#include <filesystem>
#include <string>
#include <vector>

#include <torch/arg.h>

#include "strata/data/data_loader.h"
#include "strata/data/tfmd_lists.h"

namespace strata {

struct DataLoadersOptions {
  /// batch size (fastai bs)
  TORCH_ARG(std::int64_t, bs) = 64;
  /// validation batch size (fastai val_bs; nullopt: bs)
  TORCH_ARG(std::optional<std::int64_t>, val_bs) = std::nullopt;
  TORCH_ARG(int, num_workers) = -1;
  TORCH_ARG(std::optional<std::uint64_t>, seed) = std::nullopt;
  TORCH_ARG(c10::Device, device) = c10::Device(c10::kCPU);
  TORCH_ARG(bool, pin_memory) = false;
  /// leave out items that fail to load, with a warning each (DataLoaderOptions::skip_bad_items)
  TORCH_ARG(bool, skip_bad_items) = false;
  /// fastai after_item / before_batch / after_batch, shared by both loaders
  TORCH_ARG(Pipeline, after_item) = {};
  TORCH_ARG(std::function<std::vector<Item>(std::vector<Item>)>, before_batch) = nullptr;
  TORCH_ARG(Pipeline, after_batch) = {};
  /// shuffle and drop the last partial batch in training (fastai's defaults)
  TORCH_ARG(bool, shuffle_train) = true;
  TORCH_ARG(bool, drop_last_train) = true;
  /// number of inputs in a batch (fastai n_inp; -1: all but the last value)
  TORCH_ARG(int, n_inp) = -1;
};

/// A batch as (inputs, targets): its first `n_inp` values are the inputs (fastai n_inp; -1: all
/// but the last, or the only one), the rest the targets. ValueError when n_inp exceeds the batch.
std::pair<Item, Item> split_batch(const Item& batch, int n_inp);

class DataLoaders {
 public:
  DataLoaders(DataLoader train, DataLoader valid, std::vector<std::string> vocab = {}, int n_inp = -1,
              std::filesystem::path path = ".");

  DataLoader& train() { return loaders_[0]; }
  DataLoader& valid() { return loaders_[1]; }
  const DataLoader& train() const { return loaders_[0]; }
  const DataLoader& valid() const { return loaders_[1]; }
  /// 0: training, 1: validation (fastai dls[0], dls[1]).
  DataLoader& operator[](std::size_t i);

  c10::Device device() const { return loaders_[0].options().device(); }
  /// Moves both loaders' batches to `device` (fastai dls.to(device)), keeping their epochs.
  void to(c10::Device device);
  /// The class names when a Categorize was set up (fastai dls.vocab), else empty.
  const std::vector<std::string>& vocab() const { return vocab_; }
  /// Number of classes (fastai dls.c).
  std::size_t c() const { return vocab_.size(); }
  /// Inputs per batch: -1 means all values but the last (fastai n_inp).
  int n_inp() const { return n_inp_; }
  /// Splits a batch into inputs and targets by n_inp.
  std::pair<Item, Item> split_batch(const Item& batch) const { return strata::split_batch(batch, n_inp_); }
  const std::filesystem::path& path() const { return path_; }
  Item one_batch() const { return loaders_[0].one_batch(); }
  /// Adds batch transforms to both loaders (fastai dls.add_tfms(tfms, 'after_batch')).
  void add_after_batch(const std::vector<TransformPtr>& tfms) {
    for (auto& dl : loaders_) dl.add_after_batch(tfms);
  }

 private:
  std::vector<DataLoader> loaders_;
  std::vector<std::string> vocab_;
  int n_inp_;
  std::filesystem::path path_;
};

/// fastai tls.dataloaders(...) / dsets.dataloaders(...): a shuffled, drop_last training loader and
/// an ordered validation loader over the two subsets.
DataLoaders dataloaders(const TfmdLists& lists, const DataLoadersOptions& options = {});
DataLoaders dataloaders(const Datasets& datasets, const DataLoadersOptions& options = {});

/// The vocab of the first Categorize in `pipeline` (empty when none).
std::vector<std::string> find_vocab(const Pipeline& pipeline);

}  // namespace strata
