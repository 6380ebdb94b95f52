#pragma once
/// What inference needs besides the model: how files become model inputs (a reader for the
/// inputs' kind, the validation-time item and batch transforms, the number of inputs) and how
/// outputs become labels (the vocab). Derived from the training DataLoaders, stored by export,
/// rebuilt by load_learner.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "strata/data/data_loader.h"
#include "strata/transforms/pipeline.h"

namespace strata {

class DataLoaders;

struct InferenceSpec {
  /// model inputs per item: 1, or 2 for the Siamese model's image pairs
  int n_inp = 1;
  /// the kind of every input: how a file is read (see register_input_reader)
  Kind input = Kind::Image;
  /// the item and batch transforms that run on validation items (training-only ones dropped)
  Pipeline after_item;
  Pipeline after_batch;
  /// class names (category targets) or mask codes (segmentation); empty for other targets
  std::vector<std::string> vocab;
  /// the kind of the first target: Category, MultiCategory, TensorMask or Tensor
  Kind target = Kind::Category;
};

/// The spec of loaders whose inputs can be read from files: n_inp, the input and target kinds
/// from one validation item, the pipelines without their training-only transforms, the vocab.
InferenceSpec inference_spec(const DataLoaders& dls);

/// Turns a file into a model input of one kind at inference time. The layer that owns the kind
/// registers its reader (vision: Image and TensorImage, the file read as an RGB image, as the
/// training images were).
using InputReader = std::function<Value(const std::filesystem::path& file)>;
void register_input_reader(Kind kind, InputReader reader);
/// Whether a reader is registered for `kind`.
bool has_input_reader(Kind kind);

/// One file per model input (a single path for most models, a pair for the Siamese one).
using InputFiles = std::vector<std::filesystem::path>;

/// fastai dls.test_dl(items): an ordered loader over files, read by the reader of spec.input and
/// transformed like validation items, without targets.
DataLoader test_dl(const InferenceSpec& spec, std::vector<InputFiles> items, std::int64_t bs = 64,
                   c10::Device device = c10::Device(c10::kCPU), int num_workers = -1);

/// fastai predict's answer for one item.
struct Prediction {
  /// decoded target: the class name (category), the names above threshold joined by ';'
  /// (multi-category), empty otherwise (masks, regression)
  std::string label;
  /// class index (category), -1 otherwise
  std::int64_t index = -1;
  /// the activation: [c] class probabilities, [c, H, W] for segmentation
  at::Tensor probs;
  /// the loss's decodes: class index, boolean vector, or a [H, W] mask of codes
  at::Tensor decoded;
};

/// Turns one row of activations and decodes into a Prediction with the spec's vocab.
Prediction make_prediction(const InferenceSpec& spec, const at::Tensor& probs, const at::Tensor& decoded);

}  // namespace strata
