#include "strata/vision/data_block.h"

#include <sstream>

#include "strata/core/error.h"
#include "strata/data/category.h"
#include "strata/vision/image_io.h"
#include "strata/vision/resize.h"
#include "strata/vision/tensor_transforms.h"

namespace strata {
namespace {

TransformPtr typed(const std::string& name, std::function<Value(const std::string&)> fn) {
  return std::make_shared<LambdaTransform>(
      name, std::map<Kind, Transform::EncodeFn>{{Kind::Text, [fn](const Value& v, TransformContext&) { return fn(v.str()); }}});
}

// Appends `more`, replacing any transform of the same name already present (fastai merges by class).
void merge(std::vector<TransformPtr>& into, const std::vector<TransformPtr>& more) {
  for (const auto& t : more) {
    STRATA_CHECK(t != nullptr, "DataBlock: a null transform");
    into.erase(std::remove_if(into.begin(), into.end(), [&](const TransformPtr& x) { return x->name() == t->name(); }),
               into.end());
    into.push_back(t);
  }
}

TransformPtr getter(const PathGetter& get, std::size_t block) {
  return std::make_shared<ItemTransform>(fmt::format("getter_{}", block), [get](Item item, TransformContext&) {
    const std::string path = item.at(0).str();
    return Item{Value::text(get ? get(path) : path)};
  });
}

}  // namespace

TransformBlock ImageBlock() {
  return {"ImageBlock",
          [](std::int64_t min_size) {
            ReadImageOptions o;
            o.min_size = min_size;
            return std::vector<TransformPtr>{typed("PILImage.create", [o](const std::string& p) { return read_image(p, o); })};
          },
          {}, {std::make_shared<IntToFloatTensor>()}};
}

TransformBlock CategoryBlock(std::vector<std::string> vocab) {
  return {"CategoryBlock", [vocab](std::int64_t) { return std::vector<TransformPtr>{std::make_shared<Categorize>(vocab)}; },
          {}, {}};
}

TransformBlock MultiCategoryBlock(std::vector<std::string> vocab, char delimiter) {
  return {"MultiCategoryBlock",
          [vocab, delimiter](std::int64_t) {
            return std::vector<TransformPtr>{std::make_shared<MultiCategorize>(vocab, delimiter)};
          },
          {}, {}};
}

TransformBlock MaskBlock(std::vector<std::string> codes) {
  return {"MaskBlock",
          [](std::int64_t) {
            return std::vector<TransformPtr>{typed("PILMask.create", [](const std::string& p) { return read_mask(p); })};
          },
          {}, {std::make_shared<IntToFloatTensor>()}, std::move(codes)};
}

DataBlock::DataBlock(std::vector<TransformBlock> blocks, DataBlockOptions options)
    : blocks_(std::move(blocks)), options_(std::move(options)) {
  STRATA_CHECK(blocks_.size() >= 2, "DataBlock: needs at least an input and a target block, got {}", blocks_.size());
  n_inp_ = options_.n_inp() >= 0 ? options_.n_inp() : static_cast<int>(blocks_.size()) - 1;
  STRATA_CHECK(n_inp_ >= 1 && n_inp_ < static_cast<int>(blocks_.size()),
               "DataBlock: n_inp {} leaves no target among {} blocks", n_inp_, blocks_.size());
  merge(item_tfms_, {std::make_shared<ToTensor>()});
  for (const auto& b : blocks_) {
    merge(item_tfms_, b.item_tfms);
    merge(batch_tfms_, b.batch_tfms);
  }
  merge(item_tfms_, options_.item_tfms());
  merge(batch_tfms_, options_.batch_tfms());
}

Paths DataBlock::items(const std::filesystem::path& source) const {
  Paths found = options_.get_items() ? options_.get_items()(source) : get_image_files(source);
  STRATA_CHECK(!found.empty(), "DataBlock: no items found in '{}'", source.string());
  return found;
}

std::vector<Pipeline> DataBlock::pipelines() const {
  // Decoding may shrink images as long as the Resize that follows still gets enough pixels.
  std::int64_t min_size = 0;
  for (const auto& t : item_tfms_)
    if (const auto* r = dynamic_cast<const Resize*>(t.get())) min_size = std::max(r->size().height, r->size().width);
  std::vector<Pipeline> out;
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    std::vector<TransformPtr> tfms{getter(static_cast<int>(i) < n_inp_ ? options_.get_x() : options_.get_y(), i)};
    // A block's type transforms run right after its getter (all order 0 or 1, so the stable
    // sort keeps them in the given order).
    if (blocks_[i].type_tfms) {
      auto made = blocks_[i].type_tfms(min_size);
      tfms.insert(tfms.end(), made.begin(), made.end());
    }
    out.emplace_back(std::move(tfms));
  }
  return out;
}

Datasets DataBlock::datasets(const std::filesystem::path& source) const {
  const Paths found = items(source);
  const ItemSplitter split = options_.splitter() ? options_.splitter() : RandomSplitter(0.2, 42);
  return Datasets(found, pipelines(), split(found));
}

DataLoaders DataBlock::dataloaders(const std::filesystem::path& source, DataLoadersOptions options) const {
  options.after_item(Pipeline(item_tfms_)).after_batch(Pipeline(batch_tfms_)).n_inp(n_inp_);
  DataLoaders dls = ::strata::dataloaders(datasets(source), options);
  if (!dls.vocab().empty()) return dls;
  for (const auto& b : blocks_)
    if (!b.codes.empty()) return DataLoaders(dls.train(), dls.valid(), b.codes, dls.n_inp(), dls.path());
  return dls;
}

std::string DataBlock::summary(const std::filesystem::path& source, int bs) const {
  std::ostringstream out;
  std::string step = "collecting items";
  try {
    const Paths found = items(source);
    out << "Collecting items from " << source.string() << ": found " << found.size() << " items\n";
    out << "First item: " << found.front().string() << "\n";
    step = "splitting";
    const ItemSplitter split = options_.splitter() ? options_.splitter() : RandomSplitter(0.2, 42);
    const Splits splits = split(found);
    out << "Splitting: " << splits.train.size() << " training, " << splits.valid.size() << " validation items\n";
    step = "setting up the pipelines on the training items";
    Datasets dsets(found, pipelines(), splits);
    Rng rng(0);
    TransformContext ctx{Split::Train, &rng};
    const auto idx = static_cast<std::size_t>(splits.train.at(0));
    Item sample;
    for (std::size_t b = 0; b < blocks_.size(); ++b) {
      out << "Pipeline " << b << " (" << blocks_[b].name << ") on '" << found[idx].string() << "':\n";
      Item value{Value::text(found[idx].string())};
      for (const auto& t : dsets.tfms()[b].transforms()) {
        step = fmt::format("applying {} of pipeline {} ({}) to '{}'", t->name(), b, blocks_[b].name, found[idx].string());
        value = (*t)(std::move(value), ctx);
        out << "  " << t->name() << " -> " << describe(value) << "\n";
      }
      sample.insert(sample.end(), value.begin(), value.end());
    }
    step = "building the loaders";
    DataLoadersOptions o;
    o.bs(bs).num_workers(0).drop_last_train(false);
    auto dls = dataloaders(source, o);
    out << "Applying item_tfms to the first sample (training):\n";
    for (const auto& t : dls.train().options().after_item().transforms()) {
      step = fmt::format("applying item transform {} to '{}'", t->name(), found[idx].string());
      sample = (*t)(std::move(sample), ctx);
      out << "  " << t->name() << " -> " << describe(sample) << "\n";
    }
    step = "building a batch";
    Item batch = dls.train().build_batch(0, 0, dls.train().order(0));
    out << "Collated batch of " << bs << ": " << describe(batch) << "\n";
    for (const auto& t : dls.train().options().after_batch().transforms()) {
      step = "applying batch transform " + t->name();
      Rng r(1);
      TransformContext bctx{Split::Train, &r};
      batch = (*t)(std::move(batch), bctx);
      out << "  " << t->name() << " -> " << describe(batch) << "\n";
    }
    out << "No problems found.\n";
  } catch (const std::exception& e) {
    out << "FAILED while " << step << ":\n  " << e.what() << "\n";
  }
  return out.str();
}

namespace {
DataLoaders from_label_func(const Paths& fnames, PathGetter get_y, ItemSplitter splitter, const ImageDataLoadersOptions& o) {
  DataBlock block({ImageBlock(), CategoryBlock()}, DataBlockOptions()
                                                     .get_items([fnames](const std::filesystem::path&) { return fnames; })
                                                     .splitter(std::move(splitter))
                                                     .get_y(std::move(get_y))
                                                     .item_tfms(o.item_tfms())
                                                     .batch_tfms(o.batch_tfms()));
  return block.dataloaders(".", o.loaders());
}
}  // namespace

DataLoaders ImageDataLoaders::from_name_re(const Paths& fnames, const std::string& pattern,
                                           const ImageDataLoadersOptions& o) {
  RegexLabeller label(pattern);
  return from_label_func(fnames, [label](const std::filesystem::path& p) { return label(p); },
                         RandomSplitter(o.valid_pct(), o.seed()), o);
}

DataLoaders ImageDataLoaders::from_name_func(const Paths& fnames, LabelFunc label_func,
                                             const ImageDataLoadersOptions& o) {
  STRATA_CHECK(static_cast<bool>(label_func), "ImageDataLoaders::from_name_func: needs a label function");
  return from_label_func(fnames, std::move(label_func), RandomSplitter(o.valid_pct(), o.seed()), o);
}

DataLoaders ImageDataLoaders::from_folder(const std::filesystem::path& path, const std::string& train,
                                          const std::string& valid, const ImageDataLoadersOptions& o) {
  const Paths files = get_image_files(path, true, {train, valid});
  return from_label_func(files, parent_label, GrandparentSplitter(train, valid), o);
}

DataLoaders SegmentationDataLoaders::from_label_func(const Paths& fnames, PathGetter label_func,
                                                     std::vector<std::string> codes,
                                                     const SegmentationDataLoadersOptions& o) {
  STRATA_CHECK(static_cast<bool>(label_func), "SegmentationDataLoaders::from_label_func: needs a label function");
  DataBlock block({ImageBlock(), MaskBlock(codes)},
                  DataBlockOptions()
                      .get_items([fnames](const std::filesystem::path&) { return fnames; })
                      .splitter(RandomSplitter(o.valid_pct(), o.seed()))
                      .get_y(std::move(label_func))
                      .item_tfms(o.item_tfms())
                      .batch_tfms(o.batch_tfms()));
  return block.dataloaders(".", o.loaders());
}

}  // namespace strata
