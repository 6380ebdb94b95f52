#pragma once
/// Splitting items into training and validation indices (fastai RandomSplitter, ...).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "strata/data/items.h"

namespace strata {

/// Item indices of the training and validation subsets (fastai splits[0], splits[1]).
struct Splits {
  std::vector<std::int64_t> train;
  std::vector<std::int64_t> valid;
};

/// A splitter maps the items to their Splits.
using ItemSplitter = std::function<Splits(const Paths& items)>;

/// fastai RandomSplitter(valid_pct=0.2, seed=None): valid = the first int(valid_pct * n) indices
/// of a random permutation, train = the rest. With a seed the permutation is torch.randperm(n)
/// after torch.manual_seed(seed): the same split as fastai in Python. Without one it is drawn from
/// LibTorch's default generator.
ItemSplitter RandomSplitter(double valid_pct = 0.2, std::optional<std::uint64_t> seed = std::nullopt);

/// fastai GrandparentSplitter(train_name='train', valid_name='valid'): by the grandparent folder.
ItemSplitter GrandparentSplitter(std::string train_name = "train", std::string valid_name = "valid");

/// fastai FuncSplitter(func): validation where func(item) is true.
ItemSplitter FuncSplitter(std::function<bool(const std::filesystem::path&)> is_valid);

/// fastai IndexSplitter(valid_idx): the given indices are the validation set.
ItemSplitter IndexSplitter(std::vector<std::int64_t> valid_idx);

/// fastai FileSplitter(fname): items whose file names are listed (one per line) in `file`.
ItemSplitter FileSplitter(std::filesystem::path file);

/// fastai EndSplitter(valid_pct=0.2, valid_last=True): the last (or first) int(pct * n) items.
ItemSplitter EndSplitter(double valid_pct = 0.2, bool valid_last = true);

}  // namespace strata
