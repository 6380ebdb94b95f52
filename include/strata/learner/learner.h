#pragma once
/// fastai's Learner: the model, the data, the optimizer, the loss and the callbacks, and the loop
/// that runs them with fastai's events.
///
/// The core (src/learner/learner.cpp) is that loop and one evaluation loop (training-time
/// validation, `validate`, `get_preds`). Everything else is a thin layer in a file of its own,
/// as fastai patches its Learner from its modules: the member calls below keep fastai's shape
/// (`learn.fit_one_cycle(...)`) and each says where it is defined.

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/arg.h>

#include "strata/data/data_loaders.h"
#include "strata/learner/callback.h"
#include "strata/learner/fit_options.h"
#include "strata/learner/gather_preds.h"
#include "strata/learner/inference.h"
#include "strata/learner/learner_model.h"
#include "strata/learner/loss.h"
#include "strata/learner/metrics.h"
#include "strata/learner/recorder.h"
#include "strata/models/splitters.h"
#include "strata/optim/optimizer.h"

namespace strata {

struct ModelRecipe;

/// Makes the optimizer from parameter groups and a learning rate (fastai opt_func).
using OptFunc = std::function<std::unique_ptr<Optimizer>(ParamGroups groups, double lr)>;
/// fastai's default opt_func: Adam(mom 0.9, sqr_mom 0.99, eps 1e-5, wd 0.01).
OptFunc adam_opt();
/// SGD with momentum `mom`.
OptFunc sgd_opt(double mom = 0.9);
/// RAdam.
OptFunc radam_opt();

struct LearnerOptions {
  /// fastai loss_func; default CrossEntropyLossFlat when the data has a vocab
  TORCH_ARG(Loss, loss_func) = {};
  TORCH_ARG(OptFunc, opt_func) = adam_opt();
  /// default learning rate (fastai lr=defaults.lr)
  TORCH_ARG(double, lr) = 1e-3;
  /// parameter groups (fastai splitter; nullptr: one group, fastai trainable_params)
  TORCH_ARG(Splitter, splitter) = nullptr;
  TORCH_ARG(std::vector<MetricSpec>, metrics) = {};
  TORCH_ARG(std::vector<CallbackPtr>, cbs) = {};
  /// weight decay for every fit (nullopt: the optimizer's default, 0.01 for Adam)
  TORCH_ARG(std::optional<double>, wd) = std::nullopt;
  /// apply weight decay to norm layers and biases too
  TORCH_ARG(bool, wd_bn_bias) = false;
  /// norm layers stay trainable in frozen groups
  TORCH_ARG(bool, train_bn) = true;
  /// momentum schedule of fit_one_cycle (fastai moms)
  TORCH_ARG(std::vector<double>, moms) = std::vector<double>({0.95, 0.85, 0.95});
  /// where save/load put files: path / model_dir / name.pth
  TORCH_ARG(std::filesystem::path, path) = ".";
  TORCH_ARG(std::string, model_dir) = "models";
  /// on CUDA, let cuDNN time its convolution algorithms for the shapes it meets and keep the
  /// fastest (fastai defaults.benchmark; worth it when shapes repeat, as in training)
  TORCH_ARG(bool, cudnn_benchmark) = true;
  /// keep freed blocks in glibc's malloc heap for the next step instead of returning them to the
  /// OS (process-wide, set by fit, validate and get_preds; see strata::tune_cpu_allocator): CPU
  /// epochs 20-30 % faster
  TORCH_ARG(bool, tune_malloc) = true;
};

class Learner {
 public:
  Learner(DataLoaders dls, LearnerModel model, LearnerOptions options = {});
  ~Learner();
  Learner(const Learner&) = delete;
  Learner& operator=(const Learner&) = delete;

  // ---- training (the core) ----
  /// fastai fit(n_epoch, lr, ...): `lr` may be a scalar, a list per group or strata::slice.
  /// `start_epoch` resumes an interrupted fit after `load`: earlier epochs are skipped.
  void fit(int n_epoch, std::optional<HyperValue> lr = std::nullopt, const FitOptions& o = {});

  // ---- schedules (callbacks/schedule.cpp) ----
  /// fastai fit_one_cycle: lr from lr_max/div up to lr_max (cosine, first pct_start) then down to
  /// lr_max/div_final; momentum 0.95 -> 0.85 -> 0.95.
  void fit_one_cycle(int n_epoch, std::optional<HyperValue> lr_max = std::nullopt, const OneCycleOptions& o = {});
  /// fastai fit_flat_cos: lr flat for pct_start (default 0.75), then cosine to lr/div_final.
  void fit_flat_cos(int n_epoch, std::optional<HyperValue> lr = std::nullopt, const FlatCosOptions& o = {});
  /// fastai fit_sgdr: n_cycles cosine cycles of cycle_len * cycle_mult^i epochs.
  void fit_sgdr(int n_cycles, int cycle_len, std::optional<HyperValue> lr_max = std::nullopt,
                const SgdrOptions& o = {});
  /// fastai fine_tune: freeze, one-cycle slice(base_lr) for freeze_epochs (pct_start 0.99), then
  /// unfreeze and one-cycle slice(base_lr/2/lr_mult, base_lr/2) for `epochs`.
  void fine_tune(int epochs, double base_lr = 2e-3, const FineTuneOptions& o = {});
  /// fastai lr_find (callbacks/lr_finder.cpp): exponentially growing lr over num_it batches, then
  /// the model and optimizer are restored. Returns the four suggestions.
  SuggestedLRs lr_find(const LRFindOptions& o = {});

  // ---- precision and memory layout (callbacks/mixed_precision.cpp, callbacks/channels_last.cpp) ----
  /// fastai to_fp16 / to_bf16: adds a MixedPrecision callback (CUDA only); to_fp32 removes it.
  void to_fp16();
  void to_bf16();
  void to_fp32();
  /// fastai to_channelslast / to_contiguous: adds (removes) a ChannelsLast callback.
  void to_channelslast();
  void to_contiguous();

  // ---- freezing (the core) ----
  void freeze_to(int n);
  void freeze() { freeze_to(-1); }
  void unfreeze() { freeze_to(0); }

  // ---- evaluation: one loop (the core) with the validation events, plus tta (learner/tta.cpp) ----
  /// fastai validate(): [valid_loss, metric...] on the validation set (1) or training set (0).
  std::vector<std::optional<double>> validate(int ds_idx = 1);
  /// fastai get_preds on an ordered, non-dropping copy of loader `ds_idx`.
  Predictions get_preds(int ds_idx = 1, bool with_decoded = false, bool with_loss = false);
  /// fastai get_preds(dl=...): predictions over any loader; its batches' first `n_inp` values are
  /// the inputs (nullopt: the loaders' n_inp), the next one, when present, the target.
  Predictions get_preds(DataLoader& dl, bool with_decoded = false, bool with_loss = false,
                        std::optional<int> n_inp = std::nullopt);
  /// fastai tta(ds_idx, n=4, beta=0.25): the mean of `n` passes over loader `ds_idx` with the
  /// training-time (random) transforms, mixed with the plain predictions as
  /// lerp(augmented, plain, beta); beta nullopt: the augmented mean alone.
  Predictions tta(int ds_idx = 1, int n = 4, std::optional<double> beta = 0.25);

  // ---- inference (learner/inference.cpp) ----
  /// How files become inputs and outputs become labels; derived from the loaders on first use
  /// (edit it, e.g. its vocab, before predict or export).
  InferenceSpec& inference();
  /// Replaces the inference spec (load_learner sets the exported one).
  void set_inference(InferenceSpec spec);
  /// fastai predict(item): one file.
  Prediction predict(const std::filesystem::path& file);
  /// One file per model input (the Siamese model: a pair).
  Prediction predict(const InputFiles& files);
  /// Batch inference over files (fastai get_preds(dl=dls.test_dl(files))) with decodes.
  Predictions predict_files(std::vector<InputFiles> items, std::int64_t bs = 64);
  /// fastai learn.summary() (learner/summary.cpp): the layers with output shapes, parameter
  /// counts and trainable flags, the totals, the optimizer, the loss and the frozen state, for a
  /// batch shaped like one of the validation loader's (or of `inputs`).
  std::string summary(std::vector<at::Tensor> inputs = {});

  // ---- export (learner/export.cpp) ----
  /// How load_learner makes the model again (set by vision_learner, unet_learner; set it for a
  /// model built by hand, see export.h).
  void set_recipe(ModelRecipe recipe);
  const ModelRecipe* recipe() const { return recipe_.get(); }
  /// fastai learn.export(fname) (`export` is a C++ keyword): one versioned file with the recipe,
  /// the weights, the inference transforms, the vocab and the loss (see export.h). Atomic.
  void export_learner(const std::filesystem::path& file);

  // ---- persistence (learner/save_load.cpp) ----
  /// fastai save: path/model_dir/name.pth holding {'model': state_dict, 'opt': ...} (zip format,
  /// readable by torch.load), written atomically. With the optimizer it also keeps what an exact
  /// resume needs: the training loader's epoch and LibTorch's CPU generator state (dropout).
  /// Returns the file. Only rank 0 writes.
  std::filesystem::path save(const std::string& name, bool with_opt = true);
  /// fastai load: the model (and optimizer state when saved and with_opt).
  void load(const std::string& name, bool with_opt = true, bool strict = true);

  // ---- data-parallel training (set by to_distributed, see strata/distributed) ----
  /// fastai rank_distrib(): this process's rank in a data-parallel fit, 0 otherwise.
  int rank() const { return rank_; }
  void set_rank(int rank);
  /// Whether this process prints, writes logs and saves: rank 0 (fastai rank_distrib() == 0).
  bool is_main_process() const { return rank_ == 0; }

  // ---- parts ----
  DataLoaders& dls() { return dls_; }
  const LearnerModel& model() const { return model_; }
  torch::nn::Module& module() const { return model_.module(); }
  Optimizer& opt();
  bool has_opt() const { return opt_ != nullptr; }
  void create_opt();
  Recorder& recorder();
  const Loss& loss_func() const { return loss_func_; }
  const std::vector<MetricPtr>& metrics() const { return metrics_; }
  const LearnerOptions& options() const { return options_; }
  double lr() const { return options_.lr(); }
  void add_cb(CallbackPtr cb);
  void remove_cb(const CallbackPtr& cb);
  /// Removes every callback of type Cb.
  template <typename Cb>
  void remove_cbs() {
    for (const auto& cb : callbacks())
      if (dynamic_cast<Cb*>(cb.get()) != nullptr) remove_cb(cb);
  }
  /// The callbacks, sorted by order.
  std::vector<CallbackPtr> callbacks() const;
  /// Runs `event` on every callback (fastai learn('event')).
  void run_event(Event event);

  // ---- loop state, read and written by callbacks (fastai's attributes) ----
  int n_epoch = 1;
  int epoch = 0;
  int n_iter = 0;
  int iter = 0;
  std::int64_t train_iter = 0;
  double pct_train = 0;
  bool training = false;
  DataLoader* dl = nullptr;
  Item xb, yb;
  at::Tensor pred, loss, loss_grad;
  /// fastai's learn.smooth_loss: the Recorder's smoothed training loss (reads the pending batch
  /// losses back from the device: call it when needed, not on every batch of a GPU run).
  double smooth_loss();
  /// Where the epoch table goes (std::cout by default); a row of cells per call.
  std::function<void(const std::vector<std::string>&)> logger;
  /// false: no table, no progress (fastai no_logging / no_bar).
  bool logging = true;
  std::ostream* out;

 private:
  template <typename Cancel, typename Body>
  void with_events(Event before, Event cancel, Event after, Body&& body);
  void do_epoch();
  /// The validation phase: fastai _do_epoch_validate, shared by fit, validate and get_preds.
  void do_validate(DataLoader& loader, std::optional<int> n_inp = std::nullopt);
  void all_batches(std::optional<int> n_inp);
  void one_batch(Item batch, std::optional<int> n_inp);
  /// Evaluation outside fit: the model on `device` in eval mode, malloc tuned, `cbs` added for
  /// the duration of `body`, logging off.
  template <typename Body>
  void evaluating(const at::Device& device, const std::vector<CallbackPtr>& cbs, Body&& body);

  DataLoaders dls_;
  LearnerModel model_;
  LearnerOptions options_;
  Loss loss_func_;
  std::vector<MetricPtr> metrics_;
  std::unique_ptr<Optimizer> opt_;
  std::vector<CallbackPtr> cbs_;
  std::shared_ptr<Recorder> recorder_;
  std::shared_ptr<ModelRecipe> recipe_;
  std::unique_ptr<InferenceSpec> inference_;
  int rank_ = 0;
};


}  // namespace strata
