// What the vision layer registers with the layers below it: the model builders of vision_learner,
// unet_learner and the Siamese model and the codecs of its inference transforms (for export and
// load_learner), and the image reader of its inputs (for predict). Registered when the library
// loads; a static strata is linked whole (see src/CMakeLists.txt) so that this file always is.
#include <array>

#include "strata/core/error.h"
#include "strata/learner/export.h"
#include "strata/learner/inference.h"
#include "strata/models/create_body.h"
#include "strata/models/hooks.h"
#include "strata/models/model_meta.h"
#include "strata/models/siamese.h"
#include "strata/vision/image_io.h"
#include "strata/vision/recipes.h"
#include "strata/vision/resize.h"
#include "strata/vision/tensor_transforms.h"

namespace strata {
namespace {

using json = nlohmann::json;

json head_to_json(const HeadOptions& h) {
  json j{{"hidden", h.hidden()}, {"ps", h.ps()},         {"pool", h.pool()},           {"concat_pool", h.concat_pool()},
         {"first_bn", h.first_bn()}, {"bn_final", h.bn_final()}, {"lin_first", h.lin_first()}};
  if (h.y_range()) j["y_range"] = {h.y_range()->first, h.y_range()->second};
  return j;
}

HeadOptions head_from_json(const json& j) {
  HeadOptions h;
  h.hidden(j.at("hidden").get<std::vector<int64_t>>())
      .ps(j.at("ps").get<std::vector<double>>())
      .pool(j.at("pool").get<bool>())
      .concat_pool(j.at("concat_pool").get<bool>())
      .first_bn(j.at("first_bn").get<bool>())
      .bn_final(j.at("bn_final").get<bool>())
      .lin_first(j.at("lin_first").get<bool>());
  if (j.contains("y_range")) h.y_range(Range{j["y_range"].at(0).get<double>(), j["y_range"].at(1).get<double>()});
  return h;
}

LearnerModel build_vision(const json& a) {
  VisionModelOptions o;
  o.pretrained(false).n_in(a.at("n_in").get<int64_t>()).init(false).head(head_from_json(a.at("head")));
  if (a.contains("cut")) o.cut(a["cut"].get<int64_t>());
  return create_vision_model(a.at("arch").get<std::string>(), a.at("n_out").get<int64_t>(), o);
}

LearnerModel build_unet(const json& a) {
  UnetOptions u;
  const json& j = a.at("unet");
  u.blur(j.at("blur").get<bool>())
      .blur_final(j.at("blur_final").get<bool>())
      .self_attention(j.at("self_attention").get<bool>())
      .last_cross(j.at("last_cross").get<bool>())
      .bottle(j.at("bottle").get<bool>())
      .norm_type(static_cast<NormType>(j.at("norm_type").get<int>()));
  if (j.contains("y_range")) u.y_range(Range{j["y_range"].at(0).get<double>(), j["y_range"].at(1).get<double>()});
  const auto size = a.at("img_size").get<std::vector<int64_t>>();
  STRATA_CHECK(size.size() == 2, "unet_learner recipe: img_size must hold 2 numbers");
  return create_unet_model(a.at("arch").get<std::string>(), a.at("n_out").get<int64_t>(), {size[0], size[1]},
                           /*pretrained=*/false, "", u, a.at("n_in").get<int64_t>());
}

LearnerModel build_siamese(const json& a) {
  ArchModel arch = model_meta(a.at("arch").get<std::string>()).make();
  auto encoder = create_body(arch.layers, BodyOptions().cut(a.at("cut").get<int64_t>()));
  auto head = create_head(num_features_model(encoder) * 2, a.at("n_out").get<int64_t>(), head_from_json(a.at("head")));
  return SiameseModel(encoder, head);
}

// Enum <-> name, both ways, from one table per enum.
template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, const char*>, N>;
constexpr NameTable<ResizeMethod, 3> kMethods{{{ResizeMethod::Crop, "crop"}, {ResizeMethod::Pad, "pad"}, {ResizeMethod::Squish, "squish"}}};
constexpr NameTable<PadMode, 3> kPadModes{{{PadMode::Zeros, "zeros"}, {PadMode::Border, "border"}, {PadMode::Reflection, "reflection"}}};

template <typename E, std::size_t N>
const char* name_of(const NameTable<E, N>& table, E value) {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  STRATA_FAIL(ValueError, "export: an enum value without a name ({})", static_cast<int>(value));
}

template <typename E, std::size_t N>
E value_of(const NameTable<E, N>& table, const std::string& name, const char* what) {
  std::string known;
  for (const auto& [e, n] : table) {
    if (name == n) return e;
    known += (known.empty() ? "" : ", ") + std::string(n);
  }
  STRATA_FAIL(ValueError, "Resize: unknown {} '{}' ({})", what, name, known);
}

void register_vision() {
  register_model_builder("vision_learner", build_vision);
  register_model_builder("unet_learner", build_unet);
  register_model_builder("siamese", build_siamese);
  register_transform_codec("Resize", codec_for<Resize>(
      [](const Resize& t) {
        return json{{"size", {t.size().height, t.size().width}},
                    {"method", name_of(kMethods, t.method())},
                    {"pad_mode", name_of(kPadModes, t.pad_mode())}};
      },
      [](const json& a) {
        return std::make_shared<Resize>(ImageSize(a.at("size").at(0).get<int64_t>(), a.at("size").at(1).get<int64_t>()),
                                        value_of(kMethods, a.at("method").get<std::string>(), "method"),
                                        value_of(kPadModes, a.at("pad_mode").get<std::string>(), "pad_mode"));
      }));
  register_transform_codec("RandomResizedCrop", codec_for<RandomResizedCrop>(
      [](const RandomResizedCrop& t) {
        const auto& o = t.options();
        return json{{"size", {t.size().height, t.size().width}}, {"min_scale", o.min_scale},
                    {"max_scale", o.max_scale},                  {"ratio", {o.ratio_min, o.ratio_max}},
                    {"val_xtra", o.val_xtra}};
      },
      [](const json& a) {
        RandomResizedCrop::Options o;
        o.min_scale = a.at("min_scale").get<double>();
        o.max_scale = a.at("max_scale").get<double>();
        o.ratio_min = a.at("ratio").at(0).get<double>();
        o.ratio_max = a.at("ratio").at(1).get<double>();
        o.val_xtra = a.at("val_xtra").get<double>();
        return std::make_shared<RandomResizedCrop>(
            ImageSize(a.at("size").at(0).get<int64_t>(), a.at("size").at(1).get<int64_t>()), o);
      }));
  register_transform_codec("ToTensor", codec_for<ToTensor>([](const ToTensor&) { return json::object(); },
                                                           [](const json&) { return std::make_shared<ToTensor>(); }));
  register_transform_codec("IntToFloatTensor", codec_for<IntToFloatTensor>(
      [](const IntToFloatTensor& t) { return json{{"div", t.div()}}; },
      [](const json& a) { return std::make_shared<IntToFloatTensor>(a.at("div").get<double>()); }));
  register_transform_codec("Normalize", codec_for<Normalize>(
      [](const Normalize& t) { return json{{"mean", t.mean()}, {"std", t.std()}}; },
      [](const json& a) {
        return std::make_shared<Normalize>(a.at("mean").get<std::vector<double>>(), a.at("std").get<std::vector<double>>());
      }));
  for (Kind kind : {Kind::Image, Kind::TensorImage})
    register_input_reader(kind, [](const std::filesystem::path& file) { return read_image(file); });
}

[[maybe_unused]] const bool registered = (register_vision(), true);

}  // namespace

ModelRecipe siamese_recipe(const std::string& arch, std::int64_t n_out, std::int64_t cut, const HeadOptions& head) {
  return {"siamese", {{"arch", arch}, {"n_out", n_out}, {"cut", cut}, {"head", head_to_json(head)}}};
}

ModelRecipe vision_recipe(const std::string& arch, std::int64_t n_out, const VisionModelOptions& o) {
  json args{{"arch", arch}, {"n_out", n_out}, {"n_in", o.n_in()}, {"head", head_to_json(o.head())}};
  if (o.cut()) args["cut"] = *o.cut();
  return {"vision_learner", args};
}

ModelRecipe unet_recipe(const std::string& arch, std::int64_t n_out, std::pair<int64_t, int64_t> img_size,
                        const UnetOptions& u, std::int64_t n_in) {
  json unet{{"blur", u.blur()},   {"blur_final", u.blur_final()}, {"self_attention", u.self_attention()},
            {"last_cross", u.last_cross()}, {"bottle", u.bottle()}, {"norm_type", static_cast<int>(u.norm_type())}};
  if (u.y_range()) unet["y_range"] = {u.y_range()->first, u.y_range()->second};
  return {"unet_learner",
          {{"arch", arch}, {"n_out", n_out}, {"n_in", n_in}, {"img_size", {img_size.first, img_size.second}}, {"unet", unet}}};
}

}  // namespace strata
