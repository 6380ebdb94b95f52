#pragma once
/// fastai's Learner: the training loop with callbacks, freezing, one-cycle and friends.

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/arg.h>

#include "strata/callbacks/callback.h"
#include "strata/data/data_loaders.h"
#include "strata/learner/inference.h"
#include "strata/learner/learner_model.h"
#include "strata/learner/loss.h"
#include "strata/learner/metrics.h"
#include "strata/learner/recorder.h"
#include "strata/learner/schedule.h"
#include "strata/models/splitters.h"
#include "strata/optim/optimizer.h"

namespace strata {

struct ModelRecipe;
class ProcessGroup;

/// Makes the optimizer from parameter groups and a learning rate (fastai opt_func).
using OptFunc = std::function<std::unique_ptr<Optimizer>(ParamGroupList groups, double lr)>;
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

struct OneCycleOptions {
  TORCH_ARG(double, div) = 25.0;
  TORCH_ARG(double, div_final) = 1e5;
  TORCH_ARG(double, pct_start) = 0.25;
  TORCH_ARG(std::optional<double>, wd) = std::nullopt;
  /// nullopt: the Learner's moms
  TORCH_ARG(std::optional<std::vector<double>>, moms) = std::nullopt;
  TORCH_ARG(std::vector<CallbackPtr>, cbs) = {};
  TORCH_ARG(bool, reset_opt) = false;
  /// resume: skip epochs before this one (their schedule position still counts; fastai start_epoch)
  TORCH_ARG(int, start_epoch) = 0;
};

struct FineTuneOptions {
  TORCH_ARG(int, freeze_epochs) = 1;
  TORCH_ARG(double, lr_mult) = 100.0;
  TORCH_ARG(double, pct_start) = 0.3;
  TORCH_ARG(double, div) = 5.0;
};

struct LRFindOptions {
  TORCH_ARG(double, start_lr) = 1e-7;
  TORCH_ARG(double, end_lr) = 10.0;
  TORCH_ARG(int, num_it) = 100;
  TORCH_ARG(bool, stop_div) = true;
};

/// fastai SuggestedLRs, one per suggestion function.
struct SuggestedLRs {
  double valley = 0, slide = 0, minimum = 0, steep = 0;
};

/// Predictions over a whole subset (fastai get_preds), on the CPU, in dataset order.
struct Predictions {
  at::Tensor preds;    ///< activations (softmax for cross-entropy)
  at::Tensor targets;  ///< first target of each batch, concatenated
  at::Tensor decoded;  ///< loss decodes (argmax), when asked for
  at::Tensor losses;   ///< per-item losses, when asked for
};

class Learner {
 public:
  Learner(DataLoaders dls, LearnerModel model, LearnerOptions options = {});
  ~Learner();
  Learner(const Learner&) = delete;
  Learner& operator=(const Learner&) = delete;

  // ---- training ----
  /// fastai fit(n_epoch, lr): `lr` may be a scalar, a list per group or strata::slice.
  /// `start_epoch` resumes an interrupted fit after `load`: earlier epochs are skipped.
  void fit(int n_epoch, std::optional<HyperValue> lr = std::nullopt, std::vector<CallbackPtr> cbs = {},
           bool reset_opt = false, std::optional<double> wd = std::nullopt, int start_epoch = 0);
  /// fastai fit_one_cycle: lr from lr_max/div up to lr_max (cosine, first pct_start) then down to
  /// lr_max/div_final; momentum 0.95 -> 0.85 -> 0.95.
  void fit_one_cycle(int n_epoch, std::optional<HyperValue> lr_max = std::nullopt, const OneCycleOptions& o = {});
  /// fastai fit_flat_cos: lr flat for pct_start (default 0.75), then cosine to lr/div_final.
  void fit_flat_cos(int n_epoch, std::optional<HyperValue> lr = std::nullopt, double pct_start = 0.75,
                    double div_final = 1e5);
  /// fastai fit_sgdr: n_cycles cosine cycles of cycle_len * cycle_mult^i epochs.
  void fit_sgdr(int n_cycles, int cycle_len, std::optional<HyperValue> lr_max = std::nullopt, int cycle_mult = 2);
  /// fastai fine_tune: freeze, one-cycle slice(base_lr) for freeze_epochs (pct_start 0.99), then
  /// unfreeze and one-cycle slice(base_lr/2/lr_mult, base_lr/2) for `epochs`.
  void fine_tune(int epochs, double base_lr = 2e-3, const FineTuneOptions& o = {});
  /// fastai lr_find: exponentially growing lr over num_it batches, then the model and optimizer
  /// are restored. Returns the four suggestions.
  SuggestedLRs lr_find(const LRFindOptions& o = {});

  // ---- precision ----
  /// fastai to_fp16 / to_bf16: adds a MixedPrecision callback (CUDA only); to_fp32 removes it.
  void to_fp16();
  void to_bf16();
  void to_fp32();
  /// fastai to_channelslast / to_contiguous: adds (removes) a ChannelsLast callback.
  void to_channelslast();
  void to_contiguous();

  // ---- freezing ----
  void freeze_to(int n);
  void freeze() { freeze_to(-1); }
  void unfreeze() { freeze_to(0); }

  // ---- evaluation ----
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

  // ---- inference ----
  /// How image files become inputs and outputs become labels; derived from the loaders on first
  /// use (edit it, e.g. its vocab, before predict or export).
  InferenceSpec& inference();
  /// Replaces the inference spec (load_learner sets the exported one).
  void set_inference(InferenceSpec spec);
  /// fastai predict(item): one image file.
  Prediction predict(const std::filesystem::path& file);
  /// One file per model input (the Siamese model: a pair).
  Prediction predict(const InputFiles& files);
  /// Batch inference over files (fastai get_preds(dl=dls.test_dl(files))) with decodes; a
  /// progress bar on a terminal.
  Predictions predict_files(std::vector<InputFiles> items, std::int64_t bs = 64);
  /// fastai learn.summary(): the layers with output shapes, parameter counts and trainable flags,
  /// the totals, the optimizer, the loss and the frozen state, for a batch shaped like one of
  /// the validation loader's (or of `inputs`).
  std::string summary(std::vector<at::Tensor> inputs = {});

  // ---- export ----
  /// How load_learner makes the model again (set by vision_learner, unet_learner; set it for a
  /// model built by hand, see export.h).
  void set_recipe(ModelRecipe recipe);
  const ModelRecipe* recipe() const { return recipe_.get(); }
  /// fastai learn.export(fname) (`export` is a C++ keyword): one versioned file with the recipe,
  /// the weights, the inference transforms, the vocab and the loss (see export.h). Atomic.
  void export_learner(const std::filesystem::path& file);

  // ---- persistence ----
  /// fastai save: path/model_dir/name.pth holding {'model': state_dict, 'opt': ...} (zip format,
  /// readable by torch.load), written atomically. With the optimizer it also keeps what an exact
  /// resume needs: the training loader's epoch and LibTorch's CPU generator state (dropout).
  /// Returns the file.
  std::filesystem::path save(const std::string& name, bool with_opt = true);
  /// fastai load: the model (and optimizer state when saved and with_opt).
  void load(const std::string& name, bool with_opt = true, bool strict = true);

  // ---- data-parallel training (see strata/distributed/distributed_trainer.h) ----
  /// The process group of a data-parallel fit (set by to_distributed); null: a single process.
  const std::shared_ptr<ProcessGroup>& process_group() const { return process_group_; }
  void set_process_group(std::shared_ptr<ProcessGroup> process_group);
  /// Whether this process prints, writes logs and saves: not distributed, or rank 0 (fastai:
  /// rank_distrib() == 0). save() writes nothing on the other ranks, as fastai's.
  bool is_main_process() const;

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
  void all_batches();
  void one_batch(Item batch);
  void set_device();
  /// validate's and get_preds's start: the model on `device`, in eval mode, malloc tuned.
  void start_inference(const at::Device& device);

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
  std::shared_ptr<ProcessGroup> process_group_;
};

/// fastai's lr_find suggestion functions on recorded (lr, smoothed loss) points.
double suggest_valley(const std::vector<double>& lrs, const std::vector<double>& losses);
double suggest_slide(const std::vector<double>& lrs, const std::vector<double>& losses, int lr_diff = 15,
                     double thresh = 0.005, double adjust_value = 1.0);
double suggest_minimum(const std::vector<double>& lrs, const std::vector<double>& losses);
double suggest_steep(const std::vector<double>& lrs, const std::vector<double>& losses);

/// "mm:ss" (or "h:mm:ss"), fastai format_time.
std::string format_time(double seconds);

}  // namespace strata
