// ResNets against torchvision (python3-torchvision 0.14, run at test time) and fastai's numbers.
#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/core/state_dict.h"
#include "strata/core/weights.h"
#include "strata/models/layers.h"
#include "strata/models/resnet.h"

using strata_test::Contains;

TEST_CASE("ResNet: parameter counts equal torchvision's", "[models][parity]") {
  CHECK(strata::count_parameters(*strata::resnet18()) == 11689512);
  CHECK(strata::count_parameters(*strata::resnet34()) == 21797672);
  CHECK(strata::count_parameters(*strata::resnet50()) == 25557032);
  CHECK(strata::count_parameters(*strata::resnet101()) == 44549160);
  CHECK(strata::count_parameters(*strata::resnet152()) == 60192808);
  CHECK(strata::count_parameters(*strata::resnext50_32x4d()) == 25028904);
  CHECK(strata::count_parameters(*strata::wide_resnet50_2()) == 68883240);
}

TEST_CASE("ResNet: children and state-dict names follow torchvision", "[models]") {
  auto model = strata::resnet34();
  std::vector<std::string> names;
  for (const auto& c : model->named_children()) names.push_back(c.key());
  CHECK(names == std::vector<std::string>{"conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                                          "avgpool", "fc"});
  auto sd = strata::state_dict(*model);
  CHECK(sd.contains("layer1.0.conv1.weight"));
  CHECK(sd.contains("layer2.0.downsample.0.weight"));
  CHECK(sd.contains("layer2.0.downsample.1.running_var"));
  CHECK(sd.contains("bn1.num_batches_tracked"));
  CHECK_FALSE(sd.contains("layer1.0.downsample.0.weight"));
  CHECK(sd.keys().front() == "conv1.weight");
  CHECK(sd.keys().back() == "fc.bias");
}

TEST_CASE("ResNet: loads torchvision's weights and reproduces its eval outputs", "[models][parity]") {
  strata_test::TempDir dir;
  strata_test::run_python(
      "import torch, torchvision\n"
      "torch.manual_seed(0)\n"
      "d = '" + dir.path().string() + "'\n"
      "for name in ['resnet18', 'resnet50']:\n"
      "    m = getattr(torchvision.models, name)()\n"
      "    for mod in m.modules():\n"
      "        if isinstance(mod, torch.nn.BatchNorm2d):\n"
      "            mod.running_mean.uniform_(-0.1, 0.1); mod.running_var.uniform_(0.5, 1.5)\n"
      "            mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.1, 0.1)\n"
      "    m.eval()\n"
      "    x = torch.randn(2, 3, 64, 64)\n"
      "    with torch.no_grad(): y = m(x)\n"
      "    torch.save(m.state_dict(), f'{d}/{name}.pth')\n"
      "    torch.save({'x': x, 'y': y}, f'{d}/{name}_io.pth')\n"
      "torch.save(torch.load(f'{d}/resnet18.pth'), f'{d}/resnet18_legacy.pth', _use_new_zipfile_serialization=False)\n");
  for (auto [name, model] : std::vector<std::pair<std::string, strata::ResNet>>{
           {"resnet18", strata::resnet18()}, {"resnet18_legacy", strata::resnet18()}, {"resnet50", strata::resnet50()}}) {
    INFO(name);
    const auto report = strata::load_state_dict(*model, dir / (name + ".pth"));
    CHECK(report.ok());
    const auto io = strata::read_state_dict(dir / (name.substr(0, 8) + "_io.pth"));
    model->eval();
    torch::NoGradGuard no_grad;
    const auto y = model->forward(io["x"]);
    const auto& expected = io["y"];
    CHECK(torch::allclose(y, expected, 1e-5, 1e-5 * expected.abs().max().item<double>()));
  }
}

TEST_CASE("load_state_dict: resnet18 weights in a resnet34 name every problem", "[models]") {
  auto small = strata::state_dict(*strata::resnet18(10));
  auto big = strata::resnet34();
  try {
    strata::load_state_dict(*big, small);
    FAIL("expected a KeyError");
  } catch (const strata::KeyError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains("missing in the file: 'layer1.2.conv1.weight'"));
    CHECK_THAT(msg, Contains("'fc.weight' has shape [10, 512] in the file, the model expects [1000, 512]"));
  }
  auto report = strata::load_state_dict(*big, small, /*strict=*/false);
  CHECK_FALSE(report.ok());
  CHECK(report.shape_mismatches.size() == 2);
  CHECK(std::find(report.loaded.begin(), report.loaded.end(), "conv1.weight") != report.loaded.end());
  CHECK(torch::equal(big->named_parameters()["conv1.weight"], small["conv1.weight"]));
}
