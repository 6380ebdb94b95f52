#include "strata/data/tfmd_lists.h"

#include "strata/core/error.h"

namespace strata {
namespace {

std::string describe_raw_item(const Item& item) {
  if (item.size() == 1 && item[0].is_text()) return "'" + item[0].str() + "'";
  return describe(item);
}

// A subset of the items of a TfmdLists or Datasets, as a DataLoader source.
template <typename Owner>
class Subset : public ItemSource {
 public:
  Subset(Owner owner, Split split)
      : owner_(std::move(owner)), split_(split),
        indices_(split == Split::Train ? owner_.splits().train : owner_.splits().valid) {}
  std::size_t size() const override { return indices_.size(); }
  Item get(std::size_t i, TransformContext& ctx) const override {
    STRATA_CHECK_INDEX(i < indices_.size(), "subset: index {} is out of range for {} items", i, indices_.size());
    ctx.split = split_;
    return owner_.get(static_cast<std::size_t>(indices_[i]), ctx);
  }
  Split split() const override { return split_; }
  std::string describe_raw(std::size_t i) const override {
    return describe_raw_item(owner_.raw(static_cast<std::size_t>(indices_.at(i))));
  }
  Item decode(Item item) const override { return decode_with(owner_, std::move(item)); }

 private:
  static Item decode_with(const TfmdLists& t, Item item) { return t.tfms().decode(std::move(item)); }
  static Item decode_with(const Datasets& d, Item item) {
    // Each pipeline decodes its own values: the pipelines' outputs sit side by side in the item.
    // Decoding is kind-dispatched, so running every pipeline over the whole item is equivalent.
    for (const auto& p : d.tfms()) item = p.decode(std::move(item));
    return item;
  }
  Owner owner_;
  Split split_;
  std::vector<std::int64_t> indices_;
};

ItemsView training_view(const std::vector<Item>& items, const Splits& splits) {
  return {splits.train.size(), [&items, &splits](std::size_t i) { return items[static_cast<std::size_t>(splits.train[i])]; }};
}

}  // namespace

std::vector<Item> path_items(const Paths& paths) {
  std::vector<Item> items;
  items.reserve(paths.size());
  for (const auto& p : paths) items.push_back(Item{Value::text(p.string())});
  return items;
}

void check_splits(const Splits& splits, std::size_t n, const char* who) {
  STRATA_CHECK(n > 0, "{}: there are no items", who);
  STRATA_CHECK(!splits.train.empty(), "{}: the training set is empty after splitting {} items", who, n);
  for (const auto* subset : {&splits.train, &splits.valid})
    for (auto i : *subset)
      STRATA_CHECK_INDEX(i >= 0 && static_cast<std::size_t>(i) < n, "{}: split index {} is out of range for {} items",
                         who, i, n);
}

TfmdLists::TfmdLists(std::vector<Item> items, Pipeline tfms, Splits splits, std::uint64_t seed)
    : state_(std::make_shared<State>(State{std::move(items), std::move(tfms), std::move(splits)})) {
  check_splits(state_->splits, state_->items.size(), "TfmdLists");
  state_->tfms.setup(training_view(state_->items, state_->splits), seed);
}

Item TfmdLists::get(std::size_t i, TransformContext& ctx) const { return state_->tfms(raw(i), ctx); }

const Item& TfmdLists::raw(std::size_t i) const {
  STRATA_CHECK_INDEX(i < state_->items.size(), "TfmdLists: index {} is out of range for {} items", i,
                     state_->items.size());
  return state_->items[i];
}

ItemSourcePtr TfmdLists::subset(Split split) const { return std::make_shared<Subset<TfmdLists>>(*this, split); }

Datasets::Datasets(std::vector<Item> items, std::vector<Pipeline> tfms, Splits splits, std::uint64_t seed)
    : state_(std::make_shared<State>(State{std::move(items), std::move(tfms), std::move(splits)})) {
  STRATA_CHECK(!state_->tfms.empty(), "Datasets: needs at least one pipeline");
  check_splits(state_->splits, state_->items.size(), "Datasets");
  for (auto& p : state_->tfms) p.setup(training_view(state_->items, state_->splits), seed);
}

Item Datasets::get(std::size_t i, TransformContext& ctx) const {
  Item out;
  for (const auto& p : state_->tfms) {
    Item part = p(raw(i), ctx);
    out.insert(out.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  return out;
}

const Item& Datasets::raw(std::size_t i) const {
  STRATA_CHECK_INDEX(i < state_->items.size(), "Datasets: index {} is out of range for {} items", i,
                     state_->items.size());
  return state_->items[i];
}

ItemSourcePtr Datasets::subset(Split split) const { return std::make_shared<Subset<Datasets>>(*this, split); }

}  // namespace strata
