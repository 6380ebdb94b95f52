#include "strata/learner/inference.h"

#include <ATen/ATen.h>

#include "strata/core/error.h"
#include "strata/data/data_loaders.h"
#include "strata/vision/image_io.h"

namespace strata {
namespace {

Pipeline validation_part(const Pipeline& p) {
  std::vector<TransformPtr> kept;
  for (const auto& t : p.transforms())
    if (t->applies_to(Split::Valid)) kept.push_back(t);
  return Pipeline(std::move(kept));
}

// Files read as RGB images, one per model input; no targets.
class ImageFilesSource : public ItemSource {
 public:
  ImageFilesSource(std::vector<InputFiles> items, int n_inp) : items_(std::move(items)) {
    for (std::size_t i = 0; i < items_.size(); ++i)
      STRATA_CHECK(static_cast<int>(items_[i].size()) == n_inp, "test_dl: item {} has {} file(s), the model takes {}",
                   i, items_[i].size(), n_inp);
  }
  std::size_t size() const override { return items_.size(); }
  Item get(std::size_t i, TransformContext&) const override {
    Item item;
    for (const auto& file : items_.at(i)) item.push_back(read_image(file));
    return item;
  }
  Split split() const override { return Split::Valid; }
  std::string describe_raw(std::size_t i) const override {
    std::string out;
    for (const auto& f : items_.at(i)) out += (out.empty() ? "'" : ", '") + f.string() + "'";
    return out;
  }
  Item decode(Item item) const override { return item; }

 private:
  std::vector<InputFiles> items_;
};

}  // namespace

InferenceSpec inference_spec(const DataLoaders& dls) {
  const DataLoader& loader = dls.valid().n_items() > 0 ? dls.valid() : dls.train();
  STRATA_CHECK(loader.n_items() > 0, "inference_spec: both loaders are empty, nothing tells what an item holds");
  Rng rng(0);
  TransformContext ctx{Split::Valid, &rng};
  const Item item = loader.source()->get(0, ctx);
  InferenceSpec spec;
  spec.n_inp = dls.n_inp() >= 0 ? dls.n_inp() : static_cast<int>(item.size()) - 1;
  STRATA_CHECK(spec.n_inp >= 1 && static_cast<std::size_t>(spec.n_inp) <= item.size(),
               "inference_spec: an item holds {} ({} value(s)) and n_inp is {}", describe(item), item.size(), dls.n_inp());
  for (int k = 0; k < spec.n_inp; ++k) {
    const Value& v = item[static_cast<std::size_t>(k)];
    STRATA_CHECK(v.is(Kind::Image) || v.is(Kind::TensorImage),
                 "inference_spec: input {} is a {}; inference reads image files only (item: {})", k,
                 kind_name(v.kind()), describe(item));
  }
  spec.target = Kind::Tensor;
  if (static_cast<std::size_t>(spec.n_inp) < item.size()) {
    const Kind k = item[static_cast<std::size_t>(spec.n_inp)].kind();
    spec.target = k == Kind::Mask ? Kind::TensorMask : k;
  }
  spec.after_item = validation_part(loader.options().after_item());
  spec.after_batch = validation_part(loader.options().after_batch());
  spec.vocab = dls.vocab();
  return spec;
}

DataLoader test_dl(const InferenceSpec& spec, std::vector<InputFiles> items, std::int64_t bs, c10::Device device,
                   int num_workers) {
  auto source = std::make_shared<ImageFilesSource>(std::move(items), spec.n_inp);
  return DataLoader(source, DataLoaderOptions()
                                .bs(bs)
                                .shuffle(false)
                                .drop_last(false)
                                .num_workers(num_workers)
                                .device(device)
                                .after_item(spec.after_item)
                                .after_batch(spec.after_batch));
}

Prediction make_prediction(const InferenceSpec& spec, const at::Tensor& probs, const at::Tensor& decoded) {
  Prediction p;
  p.probs = probs;
  p.decoded = decoded;
  auto name = [&](std::int64_t i) {
    return i >= 0 && static_cast<std::size_t>(i) < spec.vocab.size() ? spec.vocab[static_cast<std::size_t>(i)]
                                                                      : std::to_string(i);
  };
  if (spec.target == Kind::Category && decoded.numel() == 1) {
    p.index = decoded.item<std::int64_t>();
    p.label = name(p.index);
  } else if (spec.target == Kind::MultiCategory && decoded.dim() == 1) {
    const at::Tensor on = decoded.to(at::kBool).nonzero().view(-1);
    for (std::int64_t k = 0; k < on.size(0); ++k) p.label += (p.label.empty() ? "" : ";") + name(on[k].item<std::int64_t>());
  }
  return p;
}

}  // namespace strata
