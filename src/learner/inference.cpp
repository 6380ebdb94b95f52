// Inference without training data: the spec derived from the loaders, the file readers, test_dl,
// and the Learner's predict entry points.
#include "strata/learner/inference.h"

#include <map>
#include <mutex>

#include <ATen/ATen.h>

#include "strata/core/error.h"
#include "strata/data/data_loaders.h"
#include "strata/learner/learner.h"

namespace strata {
namespace {

struct Readers {
  std::mutex mutex;
  std::map<Kind, InputReader> by_kind;
};

Readers& readers() {
  static Readers r;
  return r;
}

Value read_input(Kind kind, const std::filesystem::path& file) {
  InputReader reader;
  {
    std::lock_guard<std::mutex> lock(readers().mutex);
    const auto it = readers().by_kind.find(kind);
    if (it != readers().by_kind.end()) reader = it->second;
  }
  STRATA_CHECK(static_cast<bool>(reader), "test_dl: no reader turns '{}' into a {} input; register one with "
               "register_input_reader", file.string(), kind_name(kind));
  return reader(file);
}

Pipeline validation_part(const Pipeline& p) {
  std::vector<TransformPtr> kept;
  for (const auto& t : p.transforms())
    if (t->applies_to(Split::Valid)) kept.push_back(t);
  return Pipeline(std::move(kept));
}

// One file per model input, read by the input kind's reader; no targets.
class InputFilesSource : public ItemSource {
 public:
  InputFilesSource(std::vector<InputFiles> items, int n_inp, Kind input) : items_(std::move(items)), input_(input) {
    for (std::size_t i = 0; i < items_.size(); ++i)
      STRATA_CHECK(static_cast<int>(items_[i].size()) == n_inp, "test_dl: item {} has {} file(s), the model takes {}",
                   i, items_[i].size(), n_inp);
  }
  std::size_t size() const override { return items_.size(); }
  Item get(std::size_t i, TransformContext&) const override {
    Item item;
    for (const auto& file : items_.at(i)) item.push_back(read_input(input_, file));
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
  Kind input_;
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
  spec.input = item[0].kind();
  for (int k = 0; k < spec.n_inp; ++k) {
    const Value& v = item[static_cast<std::size_t>(k)];
    STRATA_CHECK(v.kind() == spec.input, "inference_spec: input {} is a {}, input 0 a {}; inference reads one kind of "
                 "file (item: {})", k, kind_name(v.kind()), kind_name(spec.input), describe(item));
  }
  STRATA_CHECK(has_input_reader(spec.input), "inference_spec: the inputs are {}s and no reader turns a file into one "
               "(register_input_reader; item: {})", kind_name(spec.input), describe(item));
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
  auto source = std::make_shared<InputFilesSource>(std::move(items), spec.n_inp, spec.input);
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

void register_input_reader(Kind kind, InputReader reader) {
  STRATA_CHECK(static_cast<bool>(reader), "register_input_reader: the reader of {} is empty", kind_name(kind));
  std::lock_guard<std::mutex> lock(readers().mutex);
  readers().by_kind[kind] = std::move(reader);
}

bool has_input_reader(Kind kind) {
  std::lock_guard<std::mutex> lock(readers().mutex);
  return readers().by_kind.count(kind) != 0;
}

// ---- the Learner's entry points ----

void Learner::set_inference(InferenceSpec spec) { inference_ = std::make_unique<InferenceSpec>(std::move(spec)); }

InferenceSpec& Learner::inference() {
  if (!inference_) inference_ = std::make_unique<InferenceSpec>(inference_spec(dls()));
  return *inference_;
}

Predictions Learner::predict_files(std::vector<InputFiles> items, std::int64_t bs) {
  const InferenceSpec& spec = inference();
  // One batch is read faster in this thread than by starting workers for it.
  const int workers = static_cast<std::int64_t>(items.size()) <= bs ? 0 : dls().valid().options().num_workers();
  DataLoader dl = test_dl(spec, std::move(items), bs, dls().device(), workers);
  return get_preds(dl, /*with_decoded=*/true, /*with_loss=*/false, spec.n_inp);
}

Prediction Learner::predict(const InputFiles& files) {
  const Predictions p = predict_files({files}, 1);
  return make_prediction(inference(), p.preds[0], p.decoded[0]);
}

Prediction Learner::predict(const std::filesystem::path& file) { return predict(InputFiles{file}); }

}  // namespace strata
