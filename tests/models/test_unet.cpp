// DynamicUnet against the real fastai 2.7.13 (tests/fixtures/fastai_numbers.txt; fastai vision/models/unet.py).
#include <torch/torch.h>

#include "catch.h"
#include "fastai_numbers.h"
#include "strata/core/error.h"
#include "strata/models/layers.h"
#include "strata/models/unet.h"

using strata_test::Contains;

TEST_CASE("DynamicUnet(resnet34, n_out 3, 224): fastai's layers, sizes, skips and groups", "[models][parity]") {
  auto unet = strata::create_unet_model("resnet34", 3, {224, 224}, /*pretrained=*/false);
  CHECK(strata::count_parameters(*unet) ==
        std::stoll(strata_test::fastai_value("DynamicUnet(resnet34,n_out=3,224x224).params")));
  std::vector<std::string> types;
  std::vector<double> params;
  for (const auto& l : unet->layers()) {
    types.push_back(strata::layer_type(*l));
    params.push_back(static_cast<double>(strata::count_parameters(*l)));
  }
  CHECK(types == std::vector<std::string>{"Sequential", "BatchNorm2d", "ReLU", "Sequential", "UnetBlock", "UnetBlock",
                                          "UnetBlock", "UnetBlock", "PixelShuffle_ICNR", "ResizeToOrig",
                                          "MergeLayer", "ResBlock", "ConvLayer", "ToTensorBase"});
  CHECK(params == strata_test::fastai_list("DynamicUnet(resnet34,n_out=3,224x224).layer_params"));
  CHECK(unet->skip_indices() == std::vector<int64_t>{6, 5, 4, 2});
  const auto blocks = unet->block_channels();
  CHECK(blocks == std::vector<std::vector<int64_t>>{{512, 256, 512}, {512, 128, 384}, {384, 64, 256}, {256, 64, 96}});
  std::vector<double> groups;
  for (const auto& g : strata::unet_split(*unet)) {
    double n = 0;
    for (const auto& p : g) n += static_cast<double>(p.numel());
    groups.push_back(n);
  }
  CHECK(groups == strata_test::fastai_list("DynamicUnet(resnet34,n_out=3,224x224).split_group_params"));
  unet->eval();
  torch::NoGradGuard no_grad;
  CHECK(unet->forward(torch::randn({2, 3, 224, 224})).sizes() == torch::IntArrayRef({2, 3, 224, 224}));
}

TEST_CASE("DynamicUnet: any image size, same parameters; odd sizes come back to the input size", "[models][parity]") {
  const auto expected = std::stoll(strata_test::fastai_value("create_unet_model(resnet34,3,64x64).params"));
  for (auto size : std::vector<std::pair<int64_t, int64_t>>{{64, 64}, {128, 128}, {72, 96}}) {
    auto unet = strata::create_unet_model("resnet34", 3, size, false);
    CHECK(strata::count_parameters(*unet) == expected);
    unet->eval();
    torch::NoGradGuard no_grad;
    CHECK(unet->forward(torch::randn({1, 3, size.first, size.second})).sizes() ==
          torch::IntArrayRef({1, 3, size.first, size.second}));
  }
  // The final ConvLayer(99, n_out, ks=1) adds 99 weights and a bias per class: 41,220,968 + 100 * n_out.
  CHECK(strata::count_parameters(*strata::create_unet_model("resnet34", 32, {64, 64}, false)) == 41220968 + 3200);
}

TEST_CASE("DynamicUnet: gradients reach the encoder through the skips; options", "[models]") {
  auto unet = strata::create_unet_model("resnet18", 2, {64, 64}, false,
                                        "", strata::UnetOptions().self_attention(true).y_range(strata::Range{0.0, 1.0}));
  auto y = unet->forward(torch::randn({2, 3, 64, 64}));
  CHECK(y.min().item<float>() >= 0.0f);
  CHECK(y.max().item<float>() <= 1.0f);
  y.sum().backward();
  CHECK(unet->encoder()[4]->parameters().front().grad().abs().sum().item<float>() > 0.0f);
  CHECK_THROWS_WITH(strata::unet_split(*strata::resnet18()), Contains("expected a DynamicUnet"));
}
