#include "strata/data/data_loaders.h"

#include <fmt/ranges.h>

#include "strata/core/error.h"
#include "strata/data/category.h"

namespace strata {

DataLoaders::DataLoaders(DataLoader train, DataLoader valid, std::vector<std::string> vocab, int n_inp,
                         std::filesystem::path path)
    : loaders_{std::move(train), std::move(valid)}, vocab_(std::move(vocab)), n_inp_(n_inp), path_(std::move(path)) {}

DataLoader& DataLoaders::operator[](std::size_t i) {
  STRATA_CHECK_INDEX(i < 2, "DataLoaders: index {} (0 is training, 1 is validation)", i);
  return loaders_[i];
}

std::pair<Item, Item> split_batch(const Item& batch, int n_inp) {
  const std::size_t n = n_inp >= 0 ? static_cast<std::size_t>(n_inp) : (batch.size() > 1 ? batch.size() - 1 : 1);
  STRATA_CHECK(n <= batch.size(), "split_batch: n_inp {} but the batch has {} value(s)", n, batch.size());
  return {Item(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n)),
          Item(batch.begin() + static_cast<std::ptrdiff_t>(n), batch.end())};
}

std::vector<std::string> find_vocab(const Pipeline& pipeline) {
  for (const auto& t : pipeline.transforms())
    if (auto* c = dynamic_cast<const Categorize*>(t.get())) return c->vocab().vocab();
    else if (auto* m = dynamic_cast<const MultiCategorize*>(t.get())) return m->vocab().vocab();
  return {};
}

namespace {

DataLoaders make(ItemSourcePtr train, ItemSourcePtr valid, const DataLoadersOptions& o, std::vector<std::string> vocab) {
  DataLoaderOptions base;
  base.num_workers(o.num_workers()).seed(o.seed()).device(o.device()).pin_memory(o.pin_memory()).skip_bad_items(
      o.skip_bad_items());
  base.after_item(o.after_item()).before_batch(o.before_batch()).after_batch(o.after_batch());
  DataLoaderOptions t = base, v = base;
  t.bs(o.bs()).shuffle(o.shuffle_train()).drop_last(o.drop_last_train());
  v.bs(o.val_bs().value_or(o.bs())).shuffle(false).drop_last(false);
  DataLoader train_dl(std::move(train), t);
  STRATA_CHECK(train_dl.size() > 0,
               "dataloaders: the training set ({} items) makes no full batch of {}; lower bs or add items",
               train_dl.n_items(), o.bs());
  return DataLoaders(std::move(train_dl), DataLoader(std::move(valid), v), std::move(vocab), o.n_inp());
}

}  // namespace

DataLoaders dataloaders(const TfmdLists& lists, const DataLoadersOptions& options) {
  return make(lists.train(), lists.valid(), options, find_vocab(lists.tfms()));
}

namespace {

// A validation label that no training item has is found now, before training starts, not when its
// batch comes up: each pipeline with a Categorize labels every validation item up to and including
// it (label functions are cheap; nothing after the Categorize, e.g. image reading, runs).
void check_validation_labels(const Datasets& datasets) {
  for (const auto& pipeline : datasets.tfms()) {
    const auto& tfms = pipeline.transforms();
    std::size_t upto = 0;
    while (upto < tfms.size() && dynamic_cast<const Categorize*>(tfms[upto].get()) == nullptr) ++upto;
    if (upto == tfms.size()) continue;
    std::vector<std::string> unknown;
    for (std::int64_t index : datasets.splits().valid) {
      Item item = datasets.raw(static_cast<std::size_t>(index));
      Rng rng(0);
      TransformContext ctx{Split::Valid, &rng};
      try {
        for (std::size_t k = 0; k <= upto; ++k) item = (*tfms[k])(std::move(item), ctx);
      } catch (const KeyError& e) {
        if (unknown.size() < 5) unknown.push_back(fmt::format("item {} {}: {}", index, describe(datasets.raw(static_cast<std::size_t>(index))), e.what()));
        else unknown.back() = "...";
      } catch (const Error&) {
        // Other errors (an unreadable file, a failing label function) surface, with the item's name, when it loads.
      }
    }
    if (!unknown.empty())
      STRATA_FAIL(KeyError, "dataloaders: validation labels that no training item has (the split leaves a class out of "
                  "training?): {}", fmt::join(unknown, "; "));
  }
}

}  // namespace

DataLoaders dataloaders(const Datasets& datasets, const DataLoadersOptions& options) {
  check_validation_labels(datasets);
  std::vector<std::string> vocab;
  for (const auto& p : datasets.tfms())
    if (vocab.empty()) vocab = find_vocab(p);
  return make(datasets.train(), datasets.valid(), options, std::move(vocab));
}

void DataLoaders::to(c10::Device device) {
  for (auto& dl : loaders_) {
    const auto epoch = dl.epoch();
    dl = dl.with_options(DataLoaderOptions(dl.options()).device(device));
    dl.set_epoch(epoch);
  }
}

}  // namespace strata
