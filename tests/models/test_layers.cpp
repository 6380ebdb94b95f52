#include <torch/torch.h>

#include "catch.h"
#include "strata/core/error.h"
#include "strata/models/layers.h"

using strata_test::Contains;

TEST_CASE("AdaptiveConcatPool2d: max then mean, channels doubled", "[models]") {
  strata::AdaptiveConcatPool2d pool;
  auto x = torch::randn({2, 3, 4, 5});
  auto y = pool->forward(x);
  CHECK(y.sizes() == torch::IntArrayRef({2, 6, 1, 1}));
  CHECK(torch::allclose(y.narrow(1, 0, 3).flatten(1), x.amax({2, 3})));
  CHECK(torch::allclose(y.narrow(1, 3, 3).flatten(1), x.mean({2, 3})));
}

TEST_CASE("Flatten and sigmoid_range behave like fastai's", "[models]") {
  CHECK(strata::Flatten()->forward(torch::zeros({2, 3, 4})).sizes() == torch::IntArrayRef({2, 12}));
  CHECK(strata::Flatten(true)->forward(torch::zeros({2, 3, 4})).sizes() == torch::IntArrayRef({24}));
  auto y = strata::SigmoidRange(-1, 2)->forward(torch::tensor({-10.0f, 0.0f, 10.0f}));
  CHECK(torch::allclose(y, torch::tensor({-1.0f, 0.5f, 2.0f}), 1e-3, 1e-3));
}

TEST_CASE("ConvLayer(16, 32): conv without bias, fastai BatchNorm, ReLU (fastai tests)", "[models]") {
  strata::ConvLayer layer(strata::ConvLayerOptions(16, 32));
  REQUIRE(layer->size() == 3);
  CHECK(strata::layer_type(*layer[0]) == "Conv2d");
  CHECK(strata::layer_type(*layer[1]) == "BatchNorm2d");
  CHECK(strata::layer_type(*layer[2]) == "ReLU");
  CHECK_FALSE(layer->conv()->bias.defined());
  auto* bn = layer[1]->as<torch::nn::BatchNorm2d>();
  CHECK(bn->weight.eq(1.0).all().item<bool>());
  CHECK(bn->bias.eq(1e-3f).all().item<bool>());
  CHECK(layer->forward(torch::randn({2, 16, 8, 8})).sizes() == torch::IntArrayRef({2, 32, 8, 8}));
  strata::ConvLayer strided(strata::ConvLayerOptions(16, 32).stride(2));
  CHECK(strided->forward(torch::randn({1, 16, 8, 8})).sizes() == torch::IntArrayRef({1, 32, 4, 4}));
  strata::ConvLayer unpadded(strata::ConvLayerOptions(16, 32).padding(0));
  CHECK(unpadded->forward(torch::randn({1, 16, 8, 8})).sizes() == torch::IntArrayRef({1, 32, 6, 6}));
}

TEST_CASE("ConvLayer: norm None gives a conv with a N(0, 0.01) bias and no BatchNorm", "[models]") {
  strata::ConvLayer layer(strata::ConvLayerOptions(64, 64).norm_type(strata::NormType::None));
  CHECK(layer->size() == 2);
  REQUIRE(layer->conv()->bias.defined());
  CHECK(layer->conv()->bias.std().item<float>() < 0.03f);
  CHECK_THROWS_WITH(strata::ConvLayer(strata::ConvLayerOptions(4, 4).norm_type(strata::NormType::Weight)),
                    Contains("weight and spectral normalisation are not implemented yet"));
}

TEST_CASE("ResBlock: fastai parameter counts and identity path", "[models]") {
  // ResBlock(1, 99, 99) with norm None: 2 * (9 * 99^2 + 99) (fastai.md 5.3, DynamicUnet's last cross).
  strata::ResBlock block(1, 99, 99, 1, strata::NormType::None);
  CHECK(strata::count_parameters(*block) == 176616);
  CHECK(block->forward(torch::randn({1, 99, 5, 5})).sizes() == torch::IntArrayRef({1, 99, 5, 5}));
  strata::ResBlock down(1, 16, 32, 2);
  CHECK(down->forward(torch::randn({1, 16, 8, 8})).sizes() == torch::IntArrayRef({1, 32, 4, 4}));
  strata::ResBlock bottleneck(4, 16, 16);
  CHECK(bottleneck->forward(torch::randn({1, 64, 8, 8})).sizes() == torch::IntArrayRef({1, 64, 8, 8}));
}

TEST_CASE("icnr_init and PixelShuffle_ICNR: every 2x2 output block is constant at init (fastai tests)",
          "[models]") {
  auto w = strata::icnr_init(torch::randn({64, 32, 1, 1}));
  for (int k = 0; k < 16; ++k)
    for (int j = 1; j < 4; ++j) CHECK(torch::equal(w[4 * k], w[4 * k + j]));
  strata::PixelShuffleICNR shuffle(16);
  auto y = shuffle->forward(torch::randn({64, 16, 8, 8}));
  REQUIRE(y.sizes() == torch::IntArrayRef({64, 16, 16, 16}));
  auto blocks = y.unfold(2, 2, 2).unfold(3, 2, 2);  // [.., 8, 8, 2, 2]
  CHECK(torch::allclose(blocks, blocks.select(4, 0).select(4, 0).unsqueeze(-1).unsqueeze(-1).expand_as(blocks)));
  CHECK(strata::layer_type(*shuffle) == "PixelShuffle_ICNR");
  CHECK_THROWS_WITH(strata::icnr_init(torch::randn({6, 2, 1, 1})), Contains("not divisible by scale^2"));
}

TEST_CASE("apply_init: kaiming_normal linear weights, zero biases, norm layers untouched", "[models]") {
  torch::manual_seed(0);
  strata::Sequential s(torch::nn::Linear(1024, 512), strata::batch_norm_1d(512));
  strata::apply_init(*s);
  auto* lin = s[0]->as<torch::nn::Linear>();
  CHECK(lin->weight.std().item<float>() == Approx(std::sqrt(2.0 / 1024)).epsilon(0.02));
  CHECK(lin->bias.abs().sum().item<float>() == 0.0f);
  CHECK(s[1]->as<torch::nn::BatchNorm1d>()->bias.eq(1e-3f).all().item<bool>());
}
