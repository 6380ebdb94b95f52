#pragma once
/// fastai model_meta: for each architecture its constructor, cut, splitter, normalisation
/// statistics and pretrained weights; extensible with your own architectures.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/stats.h"
#include "strata/models/resnet.h"
#include "strata/models/splitters.h"

namespace strata {

/// An instantiated architecture as create_body sees it: the module (to load weights into, by
/// PyTorch names) and its top-level children.
struct ArchModel {
  std::shared_ptr<torch::nn::Module> module;
  LayerList layers;
};

struct ModelMeta {
  /// Builds the architecture with random weights (e.g. resnet34 with 1000 classes).
  std::function<ArchModel()> make;
  /// fastai meta['cut'] (nullopt: cut before the last pooling child).
  std::optional<int64_t> cut;
  /// fastai meta['split'] for Sequential(body, head).
  Splitter split = default_split;
  /// fastai meta['stats'] (nullopt: no Normalize is added by vision_learner).
  std::optional<Stats> stats;
  /// torchvision's download URL of the default pretrained weights ("" when none). The file name
  /// ends in the first hex digits of the file's sha256.
  std::string weights_url;
};

/// The metadata of `arch` ("resnet34", ...); KeyError listing the known names otherwise.
const ModelMeta& model_meta(const std::string& arch);
/// Whether `arch` is registered.
bool has_model_meta(const std::string& arch);
/// Adds or replaces an architecture (how users register their own).
void register_model_meta(const std::string& arch, ModelMeta meta);
/// The registered names, sorted.
std::vector<std::string> registered_archs();

/// ArchModel for a ResNet (the module and its torchvision children).
ArchModel arch_model(const ResNet& model);

}  // namespace strata
