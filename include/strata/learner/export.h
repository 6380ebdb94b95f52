#pragma once
/// fastai learn.export / load_learner in C++: one file holds everything inference needs, and a
/// process with no training data and no training code rebuilds a working Learner from it.
///
/// C++ cannot pickle a model's code, so the file describes the model by a *recipe*: the name of a
/// registered builder and its JSON arguments. vision_learner, unet_learner and siamese_recipe
/// fill it in (strata/vision/recipes.h); a model of your own needs `register_model_builder` (in
/// both processes) and `learn.set_recipe`. Transforms are stored the same way: the vision layer
/// registers codecs for its own (Resize, RandomResizedCrop, ToTensor, IntToFloatTensor,
/// Normalize); register a TransformCodec for yours. Training-only transforms (augmentations) are
/// left out.
///
/// The file is a PyTorch zip archive (torch.load reads it): {"strata_export": JSON text,
/// "model": state dict}. The JSON holds the format version, the recipe, the transforms, n_inp,
/// the vocab, the loss and a SHA-256 of the weights, checked on load.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <torch/arg.h>

#include "strata/learner/learner.h"

namespace strata {

/// The export format this build writes; load_learner reads this version and refuses others.
inline constexpr int kExportFormatVersion = 1;

/// How to make the model again: a registered builder and its arguments.
struct ModelRecipe {
  std::string builder;
  nlohmann::json args;
};

/// Makes an untrained model (no pretrained download) from a recipe's arguments.
using ModelBuilder = std::function<LearnerModel(const nlohmann::json& args)>;
/// Adds or replaces a builder (the vision layer registers "vision_learner", "unet_learner",
/// "siamese").
void register_model_builder(const std::string& name, ModelBuilder builder);
/// The model a recipe describes; KeyError listing the builders when its builder is unknown.
LearnerModel build_model(const ModelRecipe& recipe);

/// Transform <-> JSON. `encode` returns nullopt for transforms of other types.
struct TransformCodec {
  std::function<std::optional<nlohmann::json>(const Transform& t)> encode;
  std::function<TransformPtr(const nlohmann::json& args)> decode;
};
void register_transform_codec(const std::string& name, TransformCodec codec);
/// A codec for transforms of type T from an encoder of T and a decoder.
template <typename T>
TransformCodec codec_for(std::function<nlohmann::json(const T&)> encode,
                         std::function<TransformPtr(const nlohmann::json&)> decode) {
  return {[encode = std::move(encode)](const Transform& t) -> std::optional<nlohmann::json> {
            const auto* typed = dynamic_cast<const T*>(&t);
            if (typed == nullptr) return std::nullopt;
            return encode(*typed);
          },
          std::move(decode)};
}
/// {"name": ..., "args": {...}} for `t`, or TypeError naming the transform when no codec knows it.
nlohmann::json encode_transform(const Transform& t);
TransformPtr decode_transform(const nlohmann::json& spec);

struct LoadLearnerOptions {
  /// where the model runs (fastai load_learner(cpu=True) is the default CPU)
  TORCH_ARG(c10::Device, device) = c10::Device(c10::kCPU);
  /// the loss to use instead of the recorded one (required for a loss strata cannot rebuild:
  /// only its activation and decodes matter for inference)
  TORCH_ARG(Loss, loss_func) = {};
  /// loader threads of predict_files (-1: one per hardware thread)
  TORCH_ARG(int, num_workers) = -1;
};

/// fastai load_learner(fname): the Learner in `file`, ready for predict / predict_files. It has
/// no training data (its loaders are empty). IOError naming the file when it is not a strata
/// export, was written by an incompatible version, or its weights do not match their checksum.
std::unique_ptr<Learner> load_learner(const std::filesystem::path& file, const LoadLearnerOptions& options = {});

}  // namespace strata
