#include "strata/models/vision_model.h"

#include <set>

#include <torch/torch.h>

#include "strata/core/download.h"
#include "strata/core/error.h"
#include "strata/core/logging.h"
#include "strata/core/state_dict.h"
#include "strata/models/hooks.h"
#include "strata/models/layers.h"
#include "strata/models/model_meta.h"
#include "strata/models/sequential.h"

namespace strata {
namespace {

// The top-level children a cut drops (a classifier's pooling and fc).
std::set<std::string> dropped_children(const LayerList& layers, std::optional<int64_t> cut) {
  std::set<std::string> dropped;
  if (!cut) return dropped;
  const auto n = static_cast<int64_t>(layers.size());
  for (int64_t i = *cut < 0 ? n + *cut : *cut; i >= 0 && i < n; ++i) dropped.insert(layers[static_cast<std::size_t>(i)].first);
  return dropped;
}

// Loads a weight file into the whole architecture before the cut. The layers the cut drops may
// differ (a checkpoint of a classifier with another number of classes is a fine body); every
// tensor the body keeps must load.
void load_body_weights(const ArchModel& model, const std::string& arch, const std::filesystem::path& file,
                       const std::set<std::string>& dropped) {
  const LoadReport report = load_state_dict(*model.module, file, /*strict=*/false);
  const auto in_dropped = [&](const std::string& problem) {
    const auto start = problem.front() == '\'' ? 1 : 0;
    const std::string key = problem.substr(start, problem.find_first_of(".'", start) - start);
    return dropped.count(key) > 0;
  };
  std::size_t ignored = 0, in_body = 0;
  for (const auto* list : {&report.missing, &report.unexpected, &report.shape_mismatches})
    for (const auto& problem : *list) ++(in_dropped(problem) ? ignored : in_body);
  if (in_body)
    throw KeyError(fmt::format("'{}': the weights do not fit the {} body: {}", file.string(), arch, report.to_string()));
  if (ignored)
    logger()->info("'{}': {} difference(s) in the layers the cut drops ignored", file.string(), ignored);
}

}  // namespace

Sequential add_head(Sequential body, int64_t nf, int64_t n_out, const HeadOptions& options,
                               bool init, Sequential custom_head) {
  Sequential head = custom_head ? custom_head : create_head(nf, n_out, options);
  if (init) apply_init(*head);
  return Sequential(body, head);
}

std::string pretrained_weights_file(const std::string& arch) {
  const ModelMeta& meta = model_meta(arch);
  STRATA_CHECK(!meta.weights_url.empty(), "'{}' has no default pretrained weights; pass a weight file", arch);
  return cached_download(meta.weights_url).string();
}

Sequential create_vision_model(const std::string& arch, int64_t n_out, const VisionModelOptions& options) {
  STRATA_CHECK(n_out > 0, "create_vision_model: n_out must be positive, got {}", n_out);
  const ModelMeta& meta = model_meta(arch);
  ArchModel model = meta.make();
  if (options.pretrained()) {
    const std::string file = options.weights().empty() ? pretrained_weights_file(arch) : options.weights();
    load_body_weights(model, arch, file, dropped_children(model.layers, options.cut() ? options.cut() : meta.cut));
  }
  auto body = create_body(model.layers,
                          BodyOptions().n_in(options.n_in()).pretrained(options.pretrained()).cut(
                              options.cut() ? options.cut() : meta.cut));
  const int64_t nf = num_features_model(body);
  return add_head(body, nf, n_out, options.head(), options.init(), options.custom_head());
}

}  // namespace strata
