#include "strata/core/state_dict.h"

#include <unordered_set>

#include <torch/torch.h>

#include "strata/core/error.h"

namespace strata {
namespace {

void collect(const torch::nn::Module& module, const std::string& prefix, StateDict& out) {
  for (const auto& p : module.named_parameters(/*recurse=*/false)) out.insert(prefix + p.key(), p.value());
  for (const auto& b : module.named_buffers(/*recurse=*/false)) out.insert(prefix + b.key(), b.value());
  for (const auto& c : module.named_children()) collect(*c.value(), prefix + c.key() + ".", out);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

StateDict state_dict(const torch::nn::Module& module) {
  StateDict out;
  collect(module, "", out);
  return out;
}

std::string LoadReport::to_string() const {
  std::string out;
  for (const auto& k : missing) out += fmt::format("\n  missing in the file: '{}'", k);
  for (const auto& k : unexpected) out += fmt::format("\n  unexpected in the file: '{}'", k);
  for (const auto& m : shape_mismatches) out += "\n  " + m;
  return out;
}

LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state, bool strict) {
  StateDict target = state_dict(module);
  LoadReport report;
  for (const auto& item : target) {
    const at::Tensor* source = state.find(item.key());
    if (!source) {
      if (!ends_with(item.key(), "num_batches_tracked")) report.missing.push_back(item.key());
      continue;
    }
    if (source->sizes() != item.value().sizes()) {
      report.shape_mismatches.push_back(fmt::format("'{}' has shape {} in the file, the model expects {}", item.key(),
                                                    shape_str(source->sizes()), shape_str(item.value().sizes())));
      continue;
    }
    report.loaded.push_back(item.key());
  }
  for (const auto& item : state)
    if (!target.contains(item.key())) report.unexpected.push_back(item.key());

  if (strict && !report.ok())
    STRATA_FAIL(KeyError, "load_state_dict: the weights do not fit the model ({} loadable, {} problems):{}",
                report.loaded.size(),
                report.missing.size() + report.unexpected.size() + report.shape_mismatches.size(), report.to_string());
  torch::NoGradGuard no_grad;
  for (const auto& key : report.loaded) target[key].copy_(state[key]);
  return report;
}

LoadReport load_state_dict(torch::nn::Module& module, const std::filesystem::path& file, bool strict) {
  const StateDict state = read_state_dict(file);
  try {
    return load_state_dict(module, state, strict);
  } catch (const KeyError& e) {
    throw KeyError(fmt::format("'{}': {}", file.string(), e.what()));
  }
}

}  // namespace strata
