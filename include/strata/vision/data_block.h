#pragma once
/// fastai's DataBlock API and the ImageDataLoaders shortcuts, for images on disk.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <torch/arg.h>

#include "strata/data/data_loaders.h"
#include "strata/data/labellers.h"
#include "strata/data/splitters.h"
#include "strata/transforms/transform.h"

namespace strata {

/// fastai TransformBlock: how one part of an item is typed (type_tfms) and what item/batch
/// transforms it brings.
struct TransformBlock {
  std::string name;
  /// Makes the type transforms: fresh ones for each Datasets, since setup (a vocab) is per data.
  /// `decode_min_size` is the largest side a Resize among the item transforms asks for (0: none),
  /// so images can be decoded at a reduced size when that is still large enough.
  std::function<std::vector<TransformPtr>(std::int64_t decode_min_size)> type_tfms;
  std::vector<TransformPtr> item_tfms, batch_tfms;
  /// Class names a block knows up front (MaskBlock's codes): the loaders' vocab when no
  /// Categorize provides one.
  std::vector<std::string> codes = {};
};

/// fastai ImageBlock: a path -> an RGB Image (read_image); batch IntToFloatTensor.
TransformBlock ImageBlock();
/// fastai CategoryBlock(vocab): a label -> Category (Categorize, vocab from the training set).
TransformBlock CategoryBlock(std::vector<std::string> vocab = {});
/// fastai MultiCategoryBlock: labels joined by `delimiter` -> one-hot MultiCategory.
TransformBlock MultiCategoryBlock(std::vector<std::string> vocab = {}, char delimiter = ';');
/// fastai MaskBlock(codes): a mask path -> Mask (read_mask); batch IntToFloatTensor; `codes`
/// name the mask values and become the loaders' vocab.
TransformBlock MaskBlock(std::vector<std::string> codes = {});

/// Maps an item's path to the text a block types: a file path (images) or a label.
using PathGetter = std::function<std::string(const std::filesystem::path&)>;

struct DataBlockOptions {
  /// fastai get_items (default get_image_files)
  TORCH_ARG(std::function<Paths(const std::filesystem::path&)>, get_items) = nullptr;
  /// fastai splitter (default RandomSplitter(0.2, seed 42))
  TORCH_ARG(ItemSplitter, splitter) = nullptr;
  /// getters of the input blocks (default: the path itself) and of the target blocks
  TORCH_ARG(PathGetter, get_x) = nullptr;
  TORCH_ARG(PathGetter, get_y) = nullptr;
  TORCH_ARG(std::vector<TransformPtr>, item_tfms) = {};
  TORCH_ARG(std::vector<TransformPtr>, batch_tfms) = {};
  /// inputs among the blocks (fastai n_inp; -1: all but the last)
  TORCH_ARG(int, n_inp) = -1;
};

/// fastai DataBlock(blocks, get_items, splitter, get_x, get_y, item_tfms, batch_tfms).
/// ToTensor is always among the item transforms; transforms of the same name appear once (the
/// last given wins), then each pipeline sorts by order.
class DataBlock {
 public:
  DataBlock(std::vector<TransformBlock> blocks, DataBlockOptions options = {});

  /// fastai dblock.datasets(source): items, splits, one pipeline per block.
  Datasets datasets(const std::filesystem::path& source) const;
  /// fastai dblock.dataloaders(source, bs, ...): item_tfms after_item, batch_tfms after_batch.
  DataLoaders dataloaders(const std::filesystem::path& source, DataLoadersOptions options = {}) const;
  /// fastai dblock.summary(source): walks one item and one small batch through every step and
  /// says where it fails and why. Never throws for data problems: the report says.
  std::string summary(const std::filesystem::path& source, int bs = 4) const;

  const std::vector<TransformPtr>& item_tfms() const { return item_tfms_; }
  const std::vector<TransformPtr>& batch_tfms() const { return batch_tfms_; }

 private:
  Paths items(const std::filesystem::path& source) const;
  std::vector<Pipeline> pipelines() const;
  std::vector<TransformBlock> blocks_;
  DataBlockOptions options_;
  std::vector<TransformPtr> item_tfms_, batch_tfms_;
  int n_inp_;
};

struct ImageDataLoadersOptions {
  TORCH_ARG(double, valid_pct) = 0.2;
  TORCH_ARG(std::uint64_t, seed) = 42;
  TORCH_ARG(std::vector<TransformPtr>, item_tfms) = {};
  TORCH_ARG(std::vector<TransformPtr>, batch_tfms) = {};
  /// batch size, workers, device, ... of the loaders
  TORCH_ARG(DataLoadersOptions, loaders) = {};
};

/// fastai ImageDataLoaders factory methods.
struct ImageDataLoaders {
  /// Labels from a regex's first group on the file name (Pets: "^(.*)_\\d+\\.jpg$").
  static DataLoaders from_name_re(const Paths& fnames, const std::string& pattern,
                                  const ImageDataLoadersOptions& options = {});
  /// Labels from a function of the path.
  static DataLoaders from_name_func(const Paths& fnames, LabelFunc label_func,
                                    const ImageDataLoadersOptions& options = {});
  /// ImageNet-style folders: `path/train/<label>/*.jpg` and `path/valid/<label>/*.jpg`.
  static DataLoaders from_folder(const std::filesystem::path& path, const std::string& train = "train",
                                 const std::string& valid = "valid", const ImageDataLoadersOptions& options = {});
};

struct SegmentationDataLoadersOptions {
  TORCH_ARG(double, valid_pct) = 0.2;
  TORCH_ARG(std::uint64_t, seed) = 42;
  TORCH_ARG(std::vector<TransformPtr>, item_tfms) = {};
  TORCH_ARG(std::vector<TransformPtr>, batch_tfms) = {};
  TORCH_ARG(DataLoadersOptions, loaders) = {};
};

/// fastai SegmentationDataLoaders.
struct SegmentationDataLoaders {
  /// Images `fnames` with masks at `label_func(image path)` (PNG, class code per pixel), random
  /// split; `codes` names the classes (kept as the loaders' vocab).
  static DataLoaders from_label_func(const Paths& fnames, PathGetter label_func, std::vector<std::string> codes,
                                     const SegmentationDataLoadersOptions& options = {});
};

}  // namespace strata
