// create_head against the real fastai 2.7.13 numbers (tests/fixtures/fastai_numbers.txt).
#include <torch/torch.h>

#include "catch.h"
#include "strata/core/error.h"
#include "strata/models/create_head.h"
#include "strata/models/layers.h"

using strata::HeadOptions;
using strata_test::Contains;

namespace {

std::vector<std::string> types(const strata::Sequential& s) {
  std::vector<std::string> out;
  for (const auto& c : s->children()) out.push_back(strata::layer_type(*c));
  return out;
}
std::vector<int64_t> child_params(const strata::Sequential& s) {
  std::vector<int64_t> out;
  for (const auto& c : s->children()) out.push_back(strata::count_parameters(*c));
  return out;
}
std::vector<double> dropouts(const strata::Sequential& s) {
  std::vector<double> out;
  for (const auto& c : s->children())
    if (auto* d = c->as<torch::nn::Dropout>()) out.push_back(d->options.p());
  return out;
}

}  // namespace

TEST_CASE("create_head(1024, 2): the Siamese head's layers, sizes and init match fastai", "[models][parity]") {
  auto head = strata::create_head(1024, 2);
  CHECK(strata::count_parameters(*head) == 1054720);
  CHECK(types(head) == std::vector<std::string>{"AdaptiveConcatPool2d", "Flatten", "BatchNorm1d", "Dropout",
                                                "Linear", "ReLU", "BatchNorm1d", "Dropout", "Linear"});
  CHECK(child_params(head) == std::vector<int64_t>{0, 0, 4096, 0, 1048576, 0, 1024, 0, 1024});
  CHECK(dropouts(head) == std::vector<double>{0.25, 0.5});
  for (int i : {2, 6}) {
    auto* bn = head[i]->as<torch::nn::BatchNorm1d>();
    REQUIRE(bn != nullptr);
    CHECK(bn->weight.eq(1.0).all().item<bool>());
    CHECK(bn->bias.eq(1e-3f).all().item<bool>());
  }
  head->eval();
  CHECK(head->forward(torch::randn({4, 1024, 7, 7})).sizes() == torch::IntArrayRef({4, 2}));
}

TEST_CASE("create_head: parameter counts for the fastai reference heads", "[models][parity]") {
  CHECK(strata::count_parameters(*strata::create_head(512, 2)) == 528384);
  CHECK(strata::count_parameters(*strata::create_head(512, 10)) == 532480);
  CHECK(strata::count_parameters(*strata::create_head(512, 37)) == 546304);
  CHECK(strata::count_parameters(*strata::create_head(2048, 37)) == 2125312);
  CHECK(child_params(strata::create_head(2048, 37)) ==
        std::vector<int64_t>{0, 0, 8192, 0, 2097152, 0, 1024, 0, 18944});
  CHECK(strata::count_parameters(*strata::create_head(1024, 2, HeadOptions().concat_pool(false))) == 528384);
  CHECK(strata::count_parameters(*strata::create_head(5, 10)) == 11284);
}

TEST_CASE("create_head: fastai's variants (lin_first, first_bn, concat_pool, lin_ftrs, ps)", "[models][parity]") {
  auto plain = strata::create_head(5, 10);
  CHECK(plain->size() == 9);
  CHECK(strata::layer_type(*plain[2]) == "BatchNorm1d");
  CHECK(strata::layer_type(*plain[8]) == "Linear");
  CHECK(plain[4]->as<torch::nn::Linear>()->options.in_features() == 10);

  auto lin_first = strata::create_head(5, 10, HeadOptions().lin_first(true));
  CHECK(lin_first->size() == 8);
  CHECK(types(lin_first) == std::vector<std::string>{"AdaptiveConcatPool2d", "Flatten", "Dropout", "Linear", "ReLU",
                                                     "BatchNorm1d", "Dropout", "Linear"});
  CHECK_FALSE(lin_first[3]->as<torch::nn::Linear>()->options.bias());
  CHECK(lin_first[7]->as<torch::nn::Linear>()->options.bias());

  auto no_first_bn = strata::create_head(5, 10, HeadOptions().first_bn(false));
  CHECK(no_first_bn->size() == 8);
  CHECK(strata::layer_type(*no_first_bn[2]) == "Dropout");
  CHECK(no_first_bn[3]->as<torch::nn::Linear>()->options.bias());

  auto avg = strata::create_head(5, 10, HeadOptions().concat_pool(false));
  CHECK(strata::layer_type(*avg[0]) == "AdaptiveAvgPool2d");
  CHECK(avg[4]->as<torch::nn::Linear>()->options.in_features() == 5);

  CHECK(dropouts(strata::create_head(5, 10, HeadOptions().hidden({256, 128}))) == std::vector<double>{0.25, 0.25, 0.5});
  CHECK(dropouts(strata::create_head(5, 10, HeadOptions().hidden({256, 128}).ps({0.1, 0.2, 0.3}))) ==
        std::vector<double>{0.1, 0.2, 0.3});
}

TEST_CASE("create_head: bn_final and y_range append their layers", "[models]") {
  auto head = strata::create_head(8, 3, HeadOptions().bn_final(true).y_range(strata::Range{-1.0, 2.0}));
  CHECK(strata::layer_type(*head[head->size() - 2]) == "BatchNorm1d");
  CHECK(strata::layer_type(*head[head->size() - 1]) == "SigmoidRange");
  head->eval();
  auto y = head->forward(torch::randn({2, 8, 3, 3}) * 100);
  CHECK(y.min().item<float>() >= -1.0f);
  CHECK(y.max().item<float>() <= 2.0f);
}

TEST_CASE("create_head: bad arguments name the problem", "[models]") {
  CHECK_THROWS_WITH(strata::create_head(0, 2), Contains("nf and n_out must be positive"));
  CHECK_THROWS_WITH(strata::create_head(8, 2, HeadOptions().ps({0.1, 0.2, 0.3})),
                    Contains("3 dropout probabilities for 2 linear layers"));
  CHECK_THROWS_WITH(strata::create_head(8, 2, HeadOptions().ps({1.5})), Contains("outside [0, 1)"));
}
