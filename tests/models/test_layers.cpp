#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/state_dict.h"
#include "strata/core/weights.h"
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
  CHECK_THROWS_WITH(strata::ConvLayer(strata::ConvLayerOptions(4, 4).ndim(3)), Contains("ndim must be 1 or 2"));
}

TEST_CASE("ResBlock: fastai parameter counts and identity path", "[models]") {
  // ResBlock(1, 99, 99) with norm None: 2 * (9 * 99^2 + 99) (DynamicUnet's last cross in fastai vision/models/unet.py).
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

TEST_CASE("ConvLayer with weight / spectral norm and SelfAttention match PyTorch's modules", "[models][parity]") {
  strata_test::TempDir dir;
  strata_test::run_python(
      "import torch\nfrom torch.nn.utils import weight_norm, spectral_norm\n"
      "torch.manual_seed(0)\n"
      "d = '" + dir.path().string() + "'\n"
      "wn = torch.nn.Sequential(weight_norm(torch.nn.Conv2d(4, 8, 3, padding=1)), torch.nn.ReLU()).eval()\n"
      "class SA(torch.nn.Module):\n"
      "    def __init__(self, c):\n"
      "        super().__init__()\n"
      "        conv = lambda o: torch.nn.Sequential(spectral_norm(torch.nn.Conv1d(c, o, 1, bias=False)))\n"
      "        self.query, self.key, self.value = conv(c // 8), conv(c // 8), conv(c)\n"
      "        self.gamma = torch.nn.Parameter(torch.tensor([0.5]))\n"
      "    def forward(self, x):\n"
      "        size = x.size(); x = x.view(*size[:2], -1)\n"
      "        f, g, h = self.query(x), self.key(x), self.value(x)\n"
      "        beta = torch.softmax(torch.bmm(f.transpose(1, 2), g), dim=1)\n"
      "        return (self.gamma * torch.bmm(h, beta) + x).view(*size).contiguous()\n"
      "sa = SA(16)\nsa.train(); sa(torch.randn(2, 16, 4, 4)); sa.eval()\n"
      "x1, x2 = torch.randn(2, 4, 5, 5), torch.randn(2, 16, 4, 4)\n"
      "with torch.no_grad(): y1, y2 = wn(x1), sa(x2)\n"
      "torch.save(wn.state_dict(), d + '/wn.pth'); torch.save(sa.state_dict(), d + '/sa.pth')\n"
      "torch.save({'x1': x1, 'y1': y1, 'x2': x2, 'y2': y2}, d + '/io.pth')\n");
  const auto io = strata::read_state_dict(dir / "io.pth");
  strata::ConvLayer wn(strata::ConvLayerOptions(4, 8).norm_type(strata::NormType::Weight));
  CHECK(strata::load_state_dict(*wn, dir / "wn.pth").ok());
  wn->eval();
  CHECK(torch::allclose(wn->forward(io["x1"]), io["y1"], 1e-5, 1e-6));
  strata::SelfAttention sa(16);
  CHECK(strata::count_parameters(*sa) == 2 * 16 * 2 + 16 * 16 + 1);
  CHECK(strata::load_state_dict(*sa, dir / "sa.pth").ok());
  sa->eval();
  CHECK(torch::allclose(sa->forward(io["x2"]), io["y2"], 1e-5, 1e-6));
}

TEST_CASE("SelfAttention is the identity at init (fastai test); MergeLayer and SequentialEx", "[models]") {
  strata::SelfAttention sa(16);
  auto x = torch::randn({2, 16, 3, 3});
  CHECK(torch::equal(sa->forward(x), x));
  strata::SequentialEx seq;
  seq->append(torch::nn::Functional([](const torch::Tensor& t) { return t * 2; }));
  seq->append(strata::MergeLayer(true));
  CHECK(torch::equal(seq->forward(x), torch::cat({x * 2, x}, 1)));
  strata::SequentialEx add;
  add->append(torch::nn::Functional([](const torch::Tensor& t) { return torch::avg_pool2d(t, 3); }));
  add->append(strata::ResizeToOrig());
  add->append(strata::MergeLayer());
  CHECK(add->forward(x).sizes() == x.sizes());
  // clone() is deep: the same outputs from weights of its own
  strata::SequentialEx conv;
  conv->append(torch::nn::Conv2d(16, 16, 1));
  conv->append(strata::MergeLayer());
  const auto copy = std::dynamic_pointer_cast<strata::SequentialExImpl>(conv->clone());
  REQUIRE(copy != nullptr);
  REQUIRE(copy->size() == 2);
  CHECK(torch::equal(copy->forward(x), conv->forward(x)));
  CHECK(copy->parameters()[0].data_ptr() != conv->parameters()[0].data_ptr());
  CHECK(strata::count_parameters(*strata::PixelShuffleICNR(8)) == 8 * 32 + 32 + 32);  // weight_v + weight_g + bias
}
