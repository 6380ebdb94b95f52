// fastai learn.save / learn.load: a torch.load-readable checkpoint of the model, the optimizer and
// what an exact resume needs.
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>

#include "strata/core/error.h"
#include "strata/core/state_dict.h"
#include "strata/core/weights.h"
#include "strata/learner/learner.h"

namespace strata {

std::filesystem::path Learner::save(const std::string& name, bool with_opt) {
  const auto file = options().path() / options().model_dir() / (name + ".pth");
  if (!is_main_process()) return file;  // rank 0 writes it
  PickleValue::Pairs root{{PickleValue::string("model"), to_pickle(state_dict(module()))}};
  if (with_opt && has_opt()) {
    root.emplace_back(PickleValue::string("opt"), opt().state_dict());
    PickleValue::Pairs resume{
        {PickleValue::string("train_epoch"), PickleValue::integer(static_cast<std::int64_t>(dls().train().epoch()))},
        {PickleValue::string("torch_rng"), PickleValue::tensor(at::detail::getDefaultCPUGenerator().get_state())}};
    root.emplace_back(PickleValue::string("strata"), PickleValue::dict(std::move(resume)));
  }
  save_pth(PickleValue::dict(std::move(root)), file);
  return file;
}

void Learner::load(const std::string& name, bool with_opt, bool strict) {
  const auto file = options().path() / options().model_dir() / (name + ".pth");
  const PickleValue root = read_pth(file);
  try {
    load_state_dict(module(), to_state_dict(root, file.string()), strict);
  } catch (const KeyError& e) {
    throw KeyError(fmt::format("load: '{}': {}", file.string(), e.what()));
  }
  if (with_opt && root.find("model")) {
    if (const PickleValue* o = root.find("opt")) {
      try {
        opt().load_state_dict(*o);
      } catch (const Error& e) {
        STRATA_FAIL(KeyError, "load: '{}': the optimizer state does not fit: {}", file.string(), e.what());
      }
    }
    if (const PickleValue* resume = root.find("strata")) {
      if (const auto* e = resume->find("train_epoch")) dls().train().set_epoch(static_cast<std::uint64_t>(e->as_int()));
      if (const auto* r = resume->find("torch_rng")) {
        at::Generator gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(r->as_tensor().clone());
      }
    }
  }
}

}  // namespace strata
