#include "strata/models/vision_model.h"

#include <torch/torch.h>

#include "strata/core/download.h"
#include "strata/core/error.h"
#include "strata/core/state_dict.h"
#include "strata/models/hooks.h"
#include "strata/models/layers.h"
#include "strata/models/model_meta.h"

#include "strata/models/sequential.h"

namespace strata {

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
    load_state_dict(*model.module, std::filesystem::path(file), /*strict=*/true);
  }
  auto body = create_body(model.layers,
                          BodyOptions().n_in(options.n_in()).pretrained(options.pretrained()).cut(
                              options.cut() ? options.cut() : meta.cut));
  const int64_t nf = num_features_model(body);
  return add_head(body, nf, n_out, options.head(), options.init(), options.custom_head());
}

}  // namespace strata
