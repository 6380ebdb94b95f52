// learn.export_learner and load_learner: the file format (see export.h).
#include "strata/learner/export.h"

#include <ATen/ATen.h>
#include <torch/torch.h>

#include "strata/core/error.h"
#include "strata/core/sha256.h"
#include "strata/core/state_dict.h"
#include "strata/core/weights.h"
#include "strata/version.h"

namespace strata {
namespace {

using json = nlohmann::json;
constexpr const char* kFormatName = "strata.export";
constexpr const char* kJsonKey = "strata_export";

// Names, dtypes, shapes and bytes of every tensor, in order: a change to any of them changes it.
std::string weights_digest(const StateDict& state) {
  Sha256 sha;
  for (const auto& item : state) {
    const at::Tensor t = item.value().to(at::kCPU).contiguous();
    const std::string header = item.key() + "|" + std::string(c10::toString(t.scalar_type())) + "|" + shape_str(t.sizes());
    sha.update(header.data(), header.size());
    sha.update(t.data_ptr(), t.numel() * t.element_size());
  }
  return sha.hex_digest();
}

json pipeline_json(const Pipeline& p) {
  json out = json::array();
  for (const auto& t : p.transforms()) out.push_back(encode_transform(*t));
  return out;
}

Pipeline pipeline_from(const json& j) {
  std::vector<TransformPtr> tfms;
  for (const auto& spec : j) tfms.push_back(decode_transform(spec));
  return Pipeline(std::move(tfms));
}

Kind kind_named(const std::string& name, const char* what) {
  for (Kind k : {Kind::Image, Kind::Mask, Kind::TensorImage, Kind::TensorMask, Kind::Category, Kind::MultiCategory,
                 Kind::Points, Kind::Tensor, Kind::Text})
    if (name == kind_name(k)) return k;
  STRATA_FAIL(ValueError, "unknown {} kind '{}'", what, name);
}

Loss loss_from(const json& j) {
  const std::string name = j.at("name").get<std::string>();
  const json& a = j.at("args");
  auto arg = [&](const char* key, double fallback) { return a.contains(key) ? a[key].get<double>() : fallback; };
  if (name == "CrossEntropyLossFlat")
    return CrossEntropyLossFlat(static_cast<int>(arg("axis", -1)), std::nullopt, static_cast<int64_t>(arg("ignore_index", -100)));
  if (name == "BCEWithLogitsLossFlat") return BCEWithLogitsLossFlat(static_cast<int>(arg("axis", -1)), arg("thresh", 0.5));
  if (name == "MSELossFlat") return MSELossFlat(static_cast<int>(arg("axis", -1)));
  if (name == "LabelSmoothingCrossEntropy") return LabelSmoothingCrossEntropy(arg("eps", 0.1));
  return {};
}

}  // namespace

void Learner::set_recipe(ModelRecipe recipe) { recipe_ = std::make_shared<ModelRecipe>(std::move(recipe)); }

void Learner::export_learner(const std::filesystem::path& file) {
  STRATA_CHECK(recipe_ != nullptr,
               "export '{}': the model has no recipe, so no other process could build it; vision_learner and "
               "unet_learner set one, for a model built by hand call learn.set_recipe (see export.h)",
               file.string());
  const InferenceSpec& spec = inference();
  StateDict weights;
  for (const auto& item : state_dict(module())) weights.insert(item.key(), item.value().detach().to(at::kCPU).contiguous());
  json loss_args = json::object();
  for (const auto& [k, v] : loss_func_.args()) loss_args[k] = v;
  const json doc{{"format", kFormatName},
                 {"version", kExportFormatVersion},
                 {"strata_version", STRATA_VERSION_STRING},
                 {"model", {{"builder", recipe_->builder}, {"args", recipe_->args}}},
                 {"n_inp", spec.n_inp},
                 {"input", kind_name(spec.input)},
                 {"target", kind_name(spec.target)},
                 {"vocab", spec.vocab},
                 {"after_item", pipeline_json(spec.after_item)},
                 {"after_batch", pipeline_json(spec.after_batch)},
                 {"loss", {{"name", loss_func_.name()}, {"args", loss_args}}},
                 {"weights_sha256", weights_digest(weights)}};
  PickleValue::Pairs root{{PickleValue::string(kJsonKey), PickleValue::string(doc.dump(1))},
                          {PickleValue::string("model"), to_pickle(weights)}};
  save_pth(PickleValue::dict(std::move(root)), file);
}

std::unique_ptr<Learner> load_learner(const std::filesystem::path& file, const LoadLearnerOptions& options) {
  const std::string where = "load_learner: '" + file.string() + "'";
  const PickleValue root = read_pth(file);
  const PickleValue* text = root.is(PickleValue::Type::Dict) ? root.find(kJsonKey) : nullptr;
  if (text == nullptr)
    STRATA_FAIL(IOError, "{}: not a strata export (no '{}' entry; a learn.save checkpoint is read by Learner::load)",
                where, kJsonKey);
  json doc;
  try {
    doc = json::parse(text->as_string());
  } catch (const json::exception& e) {
    STRATA_FAIL(IOError, "{}: the export description is not valid JSON: {}", where, e.what());
  }
  if (doc.value("format", "") != kFormatName) STRATA_FAIL(IOError, "{}: not a strata export (format '{}')", where, doc.value("format", ""));
  const int version = doc.value("version", -1);
  if (version != kExportFormatVersion)
    STRATA_FAIL(IOError, "{}: export format version {} (strata {}), this build reads version {}", where, version,
                doc.value("strata_version", "?"), kExportFormatVersion);
  const StateDict weights = to_state_dict(root, file.string());
  if (weights_digest(weights) != doc.value("weights_sha256", ""))
    STRATA_FAIL(IOError, "{}: the weights do not match their checksum (the file is corrupted)", where);

  try {
    ModelRecipe recipe{doc.at("model").at("builder").get<std::string>(), doc.at("model").at("args")};
    LearnerModel model = build_model(recipe);
    try {
      load_state_dict(model.module(), weights, /*strict=*/true);
    } catch (const Error& e) {
      STRATA_FAIL(IOError, "{}: the weights do not fit the model its recipe builds: {}", where, e.what());
    }
    InferenceSpec spec;
    spec.n_inp = doc.at("n_inp").get<int>();
    spec.target = kind_named(doc.at("target").get<std::string>(), "target");
    // Files of format version 1 before the key existed held image inputs.
    spec.input = kind_named(doc.value("input", kind_name(Kind::Image)), "input");
    spec.vocab = doc.at("vocab").get<std::vector<std::string>>();
    spec.after_item = pipeline_from(doc.at("after_item"));
    spec.after_batch = pipeline_from(doc.at("after_batch"));
    Loss loss = options.loss_func() ? options.loss_func() : loss_from(doc.at("loss"));
    if (!loss)
      STRATA_FAIL(IOError, "{}: the loss '{}' is not one strata can make again; pass LoadLearnerOptions::loss_func",
                  where, doc.at("loss").at("name").get<std::string>());

    // Empty loaders with the inference transforms: the Learner has no data, only a way to make it.
    DataLoader empty = test_dl(spec, {}, 1, options.device(), options.num_workers());
    DataLoaders dls(empty, empty, spec.vocab, spec.n_inp, file.parent_path());
    auto learn = std::make_unique<Learner>(std::move(dls), std::move(model), LearnerOptions().loss_func(loss));
    learn->module().to(options.device());
    learn->module().eval();
    learn->set_recipe(std::move(recipe));
    learn->set_inference(std::move(spec));
    return learn;
  } catch (const json::exception& e) {
    STRATA_FAIL(IOError, "{}: the export description is incomplete: {}", where, e.what());
  }
}

}  // namespace strata
