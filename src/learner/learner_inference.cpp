// Learner's prediction side: get_preds, tta, predict and batch inference over files.
#include <iostream>

#include <unistd.h>

#include <ATen/ATen.h>
#include <torch/torch.h>

#include "strata/callbacks/progress.h"
#include "strata/core/error.h"
#include "strata/core/malloc_tuning.h"
#include "strata/learner/learner.h"

namespace strata {
namespace {

// The items of another source with its training-time transforms (fastai's dl with split_idx 0,
// as tta uses): the source's own transforms run as usual, the loader's item and batch transforms
// run as on training items.
class AsTraining : public ItemSource {
 public:
  explicit AsTraining(ItemSourcePtr inner) : inner_(std::move(inner)) {}
  std::size_t size() const override { return inner_->size(); }
  Item get(std::size_t i, TransformContext& ctx) const override {
    Item item = inner_->get(i, ctx);
    ctx.split = Split::Train;
    return item;
  }
  Split split() const override { return Split::Train; }
  std::string describe_raw(std::size_t i) const override { return inner_->describe_raw(i); }
  Item decode(Item item) const override { return inner_->decode(std::move(item)); }

 private:
  ItemSourcePtr inner_;
};

}  // namespace

void Learner::start_inference(const at::Device& device) {
  module().to(device);
  module().eval();
  if (options().tune_malloc()) tune_cpu_allocator();
}

Predictions Learner::get_preds(int ds_idx, bool with_decoded, bool with_loss) {
  DataLoader ordered = dls_[static_cast<std::size_t>(ds_idx)].ordered();
  return get_preds(ordered, with_decoded, with_loss);
}

Predictions Learner::get_preds(DataLoader& dl, bool with_decoded, bool with_loss, std::optional<int> n_inp) {
  torch::NoGradGuard no_grad;
  start_inference(dl.options().device());
  const bool tty = out == &std::cout && logging && ::isatty(STDOUT_FILENO) != 0;
  std::vector<at::Tensor> preds, targets, losses;
  std::size_t b = 0;
  for (Item& batch : dl) {
    Item x = batch, y;
    if (n_inp) {
      STRATA_CHECK(*n_inp >= 1 && static_cast<std::size_t>(*n_inp) <= batch.size(),
                   "get_preds: n_inp {} for a batch of {} value(s)", *n_inp, batch.size());
      y.assign(batch.begin() + *n_inp, batch.end());
      x.resize(static_cast<std::size_t>(*n_inp));
    } else {
      std::tie(x, y) = dls_.split_batch(batch);
    }
    std::vector<at::Tensor> inputs;
    for (const auto& v : x) inputs.push_back(v.tensor());
    const at::Tensor p = model_(inputs);
    preds.push_back(loss_func_.activation(p).to(at::kCPU));
    if (!y.empty()) {
      targets.push_back(y[0].tensor().to(at::kCPU));
      if (with_loss) losses.push_back(loss_func_.per_item(p, y[0].tensor()).to(at::kCPU));
    }
    if (tty) *out << "\rpredict " << progress_bar(++b, dl.size()) << std::flush;
  }
  if (tty) *out << "\r" << std::string(80, ' ') << "\r" << std::flush;
  STRATA_CHECK(!preds.empty(), "get_preds: the loader has no batch ({} items)", dl.n_items());
  Predictions result;
  result.preds = at::cat(preds);
  if (!targets.empty()) result.targets = at::cat(targets);
  if (with_decoded) result.decoded = loss_func_.decodes(result.preds);
  if (with_loss && !losses.empty()) result.losses = at::cat(losses);
  return result;
}

Predictions Learner::tta(int ds_idx, int n, std::optional<double> beta) {
  STRATA_CHECK(n >= 1, "tta: n must be at least 1, got {}", n);
  const DataLoader& loader = dls_[static_cast<std::size_t>(ds_idx)];
  const std::uint64_t seed = loader.options().seed().value_or(default_seed());
  at::Tensor sum;
  for (int pass = 0; pass < n; ++pass) {
    DataLoader augmented(std::make_shared<AsTraining>(loader.source()),
                         DataLoaderOptions(loader.options()).shuffle(false).drop_last(false).seed(seed + 1 + pass));
    const at::Tensor p = get_preds(augmented).preds;
    sum = pass == 0 ? p : sum + p;
  }
  Predictions result = get_preds(ds_idx);
  const at::Tensor augmented = sum / n;
  result.preds = beta ? at::lerp(augmented, result.preds, *beta) : augmented;
  return result;
}

InferenceSpec& Learner::inference() {
  if (!inference_) inference_ = std::make_unique<InferenceSpec>(inference_spec(dls_));
  return *inference_;
}

Predictions Learner::predict_files(std::vector<InputFiles> items, std::int64_t bs) {
  const InferenceSpec& spec = inference();
  // One batch is read faster in this thread than by starting workers for it.
  const int workers = static_cast<std::int64_t>(items.size()) <= bs ? 0 : dls_.valid().options().num_workers();
  DataLoader dl = test_dl(spec, std::move(items), bs, dls_.device(), workers);
  return get_preds(dl, /*with_decoded=*/true, /*with_loss=*/false, spec.n_inp);
}

Prediction Learner::predict(const InputFiles& files) {
  const Predictions p = predict_files({files}, 1);
  return make_prediction(inference(), p.preds[0], p.decoded[0]);
}

Prediction Learner::predict(const std::filesystem::path& file) { return predict(InputFiles{file}); }

}  // namespace strata
