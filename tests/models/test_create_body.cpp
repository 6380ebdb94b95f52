// create_body / create_vision_model / splitters against fastai 2.7.13's numbers
// (tests/fixtures/fastai_numbers.txt).
#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/core/state_dict.h"
#include "strata/core/weights.h"
#include "strata/models/create_body.h"
#include "strata/models/hooks.h"
#include "strata/models/layers.h"
#include "strata/models/model_meta.h"
#include "strata/models/resnet.h"
#include "strata/models/splitters.h"
#include "strata/models/vision_model.h"

using strata::BodyOptions;
using strata::VisionModelOptions;
using strata_test::Contains;

namespace {
std::vector<int64_t> group_sizes(const strata::ParamGroups& groups, bool count_tensors) {
  std::vector<int64_t> out;
  for (const auto& g : groups) {
    int64_t n = 0;
    for (const auto& p : g) n += count_tensors ? 1 : p.numel();
    out.push_back(n);
  }
  return out;
}
}  // namespace

TEST_CASE("create_body(resnet34, cut -2): fastai's children, sizes and output", "[models][parity]") {
  auto body = strata::create_body(strata::resnet34(), BodyOptions().cut(-2));
  REQUIRE(body->size() == 8);
  std::vector<std::string> types;
  std::vector<int64_t> params;
  for (const auto& c : body->children()) {
    types.push_back(strata::layer_type(*c));
    params.push_back(strata::count_parameters(*c));
  }
  CHECK(types == std::vector<std::string>{"Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Sequential", "Sequential",
                                          "Sequential", "Sequential"});
  CHECK(params == std::vector<int64_t>{9408, 128, 0, 0, 221952, 1116416, 6822400, 13114368});
  CHECK(strata::count_parameters(*body) == 21284672);
  body->eval();
  CHECK(body->forward(torch::randn({1, 3, 224, 224})).sizes() == torch::IntArrayRef({1, 512, 7, 7}));
  CHECK(strata::num_features_model(body) == 512);
  CHECK(body->named_parameters().contains("4.0.conv1.weight"));
}

TEST_CASE("create_body: the default cut is the last pooling child, like cut -2 for ResNets", "[models][parity]") {
  auto body = strata::create_body(strata::resnet34());
  CHECK(body->size() == 8);
  CHECK(strata::count_parameters(*body) == 21284672);
  CHECK(strata::count_parameters(*strata::create_body(strata::resnet18())) == 11176512);
  auto r50 = strata::create_body(strata::resnet50());
  CHECK(strata::count_parameters(*r50) == 23508032);
  CHECK(strata::num_features_model(r50) == 2048);
}

TEST_CASE("create_body: n_in rewires the first conv as fastai does", "[models][parity]") {
  auto model = strata::resnet34();
  const auto w = model->named_parameters()["conv1.weight"].clone();
  auto one = strata::create_body(model, BodyOptions().n_in(1));
  CHECK(strata::count_parameters(*one) == 21278400);
  const auto w1 = one->named_parameters()["0.weight"];
  CHECK(w1.sizes() == torch::IntArrayRef({64, 1, 7, 7}));
  CHECK(torch::allclose(w1, w.sum(1, true)));
  auto two = strata::create_body(model, BodyOptions().n_in(2));
  CHECK(torch::allclose(two->named_parameters()["0.weight"], w.narrow(1, 0, 2) * 1.5));
  auto five = strata::create_body(model, BodyOptions().n_in(5));
  const auto w5 = five->named_parameters()["0.weight"];
  CHECK(torch::equal(w5.narrow(1, 0, 3), w));
  CHECK(w5.narrow(1, 3, 2).abs().sum().item<float>() == 0.0f);
  five->eval();
  CHECK(five->forward(torch::randn({1, 5, 64, 64})).size(1) == 512);
}

TEST_CASE("create_body: bad cut or n_in is a clear error", "[models]") {
  CHECK_THROWS_WITH(strata::create_body(strata::resnet18(), BodyOptions().cut(0)),
                    Contains("cut 0 leaves no layer of a model with 10 top-level children"));
  CHECK_THROWS_WITH(strata::create_body(strata::resnet18(), BodyOptions().cut(-12)), Contains("cut -12"));
  CHECK_THROWS_WITH(strata::create_body(strata::resnet18(), BodyOptions().n_in(0)), Contains("n_in must be positive"));
  auto custom = strata::create_body(strata::resnet18(), BodyOptions().cut_fn([](const strata::LayerList& l) {
    return strata::cut_model(l, 4);
  }));
  CHECK(custom->size() == 4);
}

TEST_CASE("create_vision_model: sizes and resnet_split groups match fastai", "[models][parity]") {
  struct Case {
    std::string arch;
    int64_t n_out, total, head;
    std::vector<int64_t> groups, tensors;
  };
  for (const auto& c : std::vector<Case>{
           {"resnet34", 2, 21813056, 528384, {1347904, 19936768, 528384}, {48, 60, 6}},
           {"resnet18", 10, 11708992, 532480, {683072, 10493440, 532480}, {30, 30, 6}},
           {"resnet50", 37, 25633344, 2125312, {1444928, 22063104, 2125312}, {72, 87, 6}}}) {
    INFO(c.arch);
    auto model = strata::create_vision_model(c.arch, c.n_out, VisionModelOptions().pretrained(false));
    CHECK(strata::count_parameters(*model) == c.total);
    CHECK(strata::count_parameters(*model[1]) == c.head);
    const auto groups = strata::model_meta(c.arch).split(*model);
    CHECK(group_sizes(groups, false) == c.groups);
    CHECK(group_sizes(groups, true) == c.tensors);
    model->eval();
    CHECK(model->forward(torch::randn({2, 3, 64, 64})).sizes() == torch::IntArrayRef({2, c.n_out}));
  }
}

TEST_CASE("default_split: body and head as two groups", "[models]") {
  auto model = strata::create_vision_model("resnet18", 3, VisionModelOptions().pretrained(false));
  CHECK(group_sizes(strata::default_split(*model), false) ==
        std::vector<int64_t>{11176512, strata::count_parameters(*model[1])});
  CHECK_THROWS_WITH(strata::resnet_split(*strata::resnet18()), Contains("expected a Sequential(body, head, ...)"));
}

TEST_CASE("model_meta: ResNets are registered; unknown names list the known ones", "[models]") {
  const auto& meta = strata::model_meta("resnet34");
  CHECK(meta.cut == -2);
  REQUIRE(meta.stats.has_value());
  CHECK(meta.stats->mean == std::vector<double>{0.485, 0.456, 0.406});
  CHECK(meta.weights_url == "https://download.pytorch.org/models/resnet34-b627a593.pth");
  CHECK_THROWS_AS(strata::model_meta("resnet35"), strata::KeyError);
  CHECK_THROWS_WITH(strata::model_meta("resnet35"), Contains("unknown architecture 'resnet35' (known: resnet101"));
  strata::ModelMeta mine;
  mine.make = [] { return strata::arch_model(strata::resnet18(5)); };
  strata::register_model_meta("my_resnet", mine);
  CHECK(strata::has_model_meta("my_resnet"));
  auto m = strata::create_vision_model("my_resnet", 4, VisionModelOptions().pretrained(false));
  CHECK(strata::count_parameters(*m) == 11176512 + strata::count_parameters(*strata::create_head(512, 4)));
}

TEST_CASE("dummy_eval and model_sizes: one shape per child, in eval mode", "[models]") {
  auto body = strata::create_body(strata::resnet34());
  body->train();
  const auto sizes = strata::model_sizes(body, {224, 224});
  CHECK_FALSE(body->is_training());
  std::vector<int64_t> widths;
  for (const auto& s : sizes) widths.push_back(s.back());
  CHECK(widths == std::vector<int64_t>{112, 112, 112, 56, 56, 28, 14, 7});
  CHECK(strata::in_channels(*body) == 3);
  CHECK(strata::dummy_eval(body, {32, 32}).sizes() == torch::IntArrayRef({1, 512, 1, 1}));
  CHECK_THROWS_WITH(strata::in_channels(*strata::create_head(4, 2)), Contains("no weight layer"));
}

TEST_CASE("create_vision_model: weights of a classifier with other classes fit the body; a body mismatch is named",
          "[models]") {
  strata_test::TempDir dir;
  auto five_classes = strata::resnet18(5);  // e.g. a checkpoint of another task's classifier
  strata::save_pth(strata::state_dict(*five_classes), dir / "five.pth");
  auto model = strata::create_vision_model("resnet18", 3, VisionModelOptions().weights((dir / "five.pth").string()));
  // The body holds the file's weights; fc (dropped by the cut) was ignored.
  const auto body_state = strata::state_dict(*model[0]);
  CHECK(body_state["0.weight"].equal(strata::state_dict(*five_classes)["conv1.weight"]));
  auto state = strata::state_dict(*five_classes);
  strata::StateDict broken;
  for (const auto& item : state)
    broken.insert(item.key(), item.key() == "layer1.0.conv1.weight" ? torch::zeros({1}) : item.value());
  strata::save_pth(broken, dir / "broken.pth");
  CHECK_THROWS_WITH(strata::create_vision_model("resnet18", 3, VisionModelOptions().weights((dir / "broken.pth").string())),
                    Contains("the weights do not fit the resnet18 body") && Contains("'layer1.0.conv1.weight' has shape [1]"));
}
