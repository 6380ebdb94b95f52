#pragma once
/// A module's state dict and loading one into it, with a report of what did not match.

#include <filesystem>
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "strata/core/weights.h"

namespace strata {

/// Parameters and buffers of `module` named as PyTorch names them ("layer1.0.bn1.running_mean"),
/// in PyTorch's order (each module's own parameters, its own buffers, then its children).
StateDict state_dict(const torch::nn::Module& module);

/// What load_state_dict found.
struct LoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;          ///< in the model, not in the file
  std::vector<std::string> unexpected;       ///< in the file, not in the model
  std::vector<std::string> shape_mismatches; ///< "'name' has shape [..] in the file, the model expects [..]"
  bool ok() const { return missing.empty() && unexpected.empty() && shape_mismatches.empty(); }
  /// One line per problem, for messages and logs.
  std::string to_string() const;
};

/// Copies matching tensors of `state` into `module` (dtype converted, device kept).
/// strict: any missing key, unexpected key or shape mismatch throws KeyError listing every one
/// of them, before anything is copied. Not strict: loads what matches and returns the report.
/// A missing BatchNorm `num_batches_tracked` (absent from old torchvision files) is not an error,
/// as in PyTorch.
LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state, bool strict = true);

/// Reads a .pth / .safetensors file (see read_state_dict) and loads it; errors name the file.
LoadReport load_state_dict(torch::nn::Module& module, const std::filesystem::path& file, bool strict = true);

}  // namespace strata
