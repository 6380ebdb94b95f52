#include "strata/models/model_meta.h"

#include <map>
#include <mutex>

#include "strata/core/error.h"

namespace strata {
namespace {

const char* kTorchvision = "https://download.pytorch.org/models/";

std::map<std::string, ModelMeta> builtin() {
  std::map<std::string, ModelMeta> m;
  auto resnet = [](std::function<ResNet()> make, const std::string& file) {
    ModelMeta meta;
    meta.make = [make] { return arch_model(make()); };
    meta.cut = -2;
    meta.split = resnet_split;
    meta.stats = imagenet_stats;
    meta.weights_url = std::string(kTorchvision) + file;
    return meta;
  };
  // torchvision's 'DEFAULT' weights, as fastai 2.7 uses them: IMAGENET1K_V1 for resnet18/34,
  // IMAGENET1K_V2 for the bottleneck models.
  m["resnet18"] = resnet([] { return resnet18(); }, "resnet18-f37072fd.pth");
  m["resnet34"] = resnet([] { return resnet34(); }, "resnet34-b627a593.pth");
  m["resnet50"] = resnet([] { return resnet50(); }, "resnet50-11ad3fa6.pth");
  m["resnet101"] = resnet([] { return resnet101(); }, "resnet101-cd907fc2.pth");
  m["resnet152"] = resnet([] { return resnet152(); }, "resnet152-f82ba261.pth");
  m["resnext50_32x4d"] = resnet([] { return resnext50_32x4d(); }, "resnext50_32x4d-1a0047aa.pth");
  m["wide_resnet50_2"] = resnet([] { return wide_resnet50_2(); }, "wide_resnet50_2-9ba9bcbe.pth");
  return m;
}

std::mutex registry_mutex;
std::map<std::string, ModelMeta>& registry() {
  static std::map<std::string, ModelMeta> r = builtin();
  return r;
}

}  // namespace

ArchModel arch_model(const ResNet& model) { return {model.ptr(), model->layers()}; }

const ModelMeta& model_meta(const std::string& arch) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto it = registry().find(arch);
  if (it == registry().end()) {
    std::string known;
    for (const auto& [name, meta] : registry()) known += (known.empty() ? "" : ", ") + name;
    STRATA_FAIL(KeyError, "model_meta: unknown architecture '{}' (known: {}); add it with register_model_meta", arch,
                known);
  }
  return it->second;
}

bool has_model_meta(const std::string& arch) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  return registry().count(arch) != 0;
}

void register_model_meta(const std::string& arch, ModelMeta meta) {
  STRATA_CHECK(static_cast<bool>(meta.make), "register_model_meta: '{}' needs a make function", arch);
  std::lock_guard<std::mutex> lock(registry_mutex);
  registry()[arch] = std::move(meta);
}

std::vector<std::string> registered_archs() {
  std::lock_guard<std::mutex> lock(registry_mutex);
  std::vector<std::string> names;
  for (const auto& [name, meta] : registry()) names.push_back(name);
  return names;
}

}  // namespace strata
