// The registries export and load_learner read: model builders and transform codecs. The layers
// that own models and transforms fill them (vision: src/vision/vision_registry.cpp).
#include <map>
#include <mutex>

#include "strata/core/error.h"
#include "strata/learner/export.h"

namespace strata {
namespace {

using json = nlohmann::json;

struct Registry {
  std::mutex mutex;
  std::map<std::string, ModelBuilder> builders;
  std::map<std::string, TransformCodec> codecs;
};

Registry& registry() {
  static Registry r;
  return r;
}

template <typename Map>
std::string known_names(const Map& m) {
  std::string out;
  for (const auto& kv : m) out += (out.empty() ? "" : ", ") + kv.first;
  return out;
}

}  // namespace

void register_model_builder(const std::string& name, ModelBuilder builder) {
  STRATA_CHECK(static_cast<bool>(builder), "register_model_builder: '{}' needs a function", name);
  std::lock_guard<std::mutex> lock(registry().mutex);
  registry().builders[name] = std::move(builder);
}

LearnerModel build_model(const ModelRecipe& recipe) {
  ModelBuilder builder;
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    auto it = registry().builders.find(recipe.builder);
    if (it == registry().builders.end())
      STRATA_FAIL(KeyError, "no model builder '{}' is registered (known: {}); call register_model_builder first",
                  recipe.builder, known_names(registry().builders));
    builder = it->second;
  }
  try {
    return builder(recipe.args);
  } catch (const json::exception& e) {
    STRATA_FAIL(ValueError, "model builder '{}': bad arguments {}: {}", recipe.builder, recipe.args.dump(), e.what());
  }
}

void register_transform_codec(const std::string& name, TransformCodec codec) {
  STRATA_CHECK(codec.encode && codec.decode, "register_transform_codec: '{}' needs encode and decode", name);
  std::lock_guard<std::mutex> lock(registry().mutex);
  registry().codecs[name] = std::move(codec);
}

nlohmann::json encode_transform(const Transform& t) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  for (const auto& [name, codec] : registry().codecs)
    if (auto args = codec.encode(t)) return json{{"name", name}, {"args", *args}};
  STRATA_FAIL(TypeError,
              "export: the transform '{}' runs at inference and no TransformCodec knows it (known: {}); "
              "register one with register_transform_codec",
              t.name(), known_names(registry().codecs));
}

TransformPtr decode_transform(const nlohmann::json& spec) {
  const std::string name = spec.at("name").get<std::string>();
  TransformCodec codec;
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    auto it = registry().codecs.find(name);
    if (it == registry().codecs.end())
      STRATA_FAIL(KeyError, "no TransformCodec '{}' is registered (known: {})", name, known_names(registry().codecs));
    codec = it->second;
  }
  return codec.decode(spec.at("args"));
}

}  // namespace strata
