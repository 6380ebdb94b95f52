#include <ATen/ATen.h>

#include "catch.h"
#include "strata/core/error.h"
#include "strata/transforms/pipeline.h"
#include "strata/vision/tensor_transforms.h"

using strata::Item;
using strata::Kind;
using strata::TransformContext;
using strata::Value;
using strata_test::Contains;

TEST_CASE("ToTensor: Image [H, W, C] -> TensorImage [C, H, W]; Mask -> int64 TensorMask", "[vision]") {
  auto hwc = at::arange(24, at::kByte).view({2, 4, 3});
  strata::ToTensor to_tensor;
  TransformContext ctx;
  Item out = to_tensor(Item{Value(Kind::Image, hwc), Value(Kind::Mask, at::ones({2, 4}, at::kByte))}, ctx);
  CHECK(out[0].kind() == Kind::TensorImage);
  CHECK(out[0].tensor().sizes() == at::IntArrayRef({3, 2, 4}));
  CHECK(out[0].tensor()[1][0][1].item<uint8_t>() == hwc[0][1][1].item<uint8_t>());
  CHECK(out[1].kind() == Kind::TensorMask);
  CHECK(out[1].tensor().scalar_type() == at::kLong);
  CHECK(at::equal(to_tensor.decode(out)[0].tensor(), hwc));
}

TEST_CASE("IntToFloatTensor: uint8 255 -> 1.0, masks stay integer, decode rounds back", "[vision]") {
  strata::IntToFloatTensor to_float;
  TransformContext ctx;
  auto pixels = at::arange(256, at::kByte).view({1, 16, 16});
  Item out = to_float(Item{Value(Kind::TensorImage, pixels), Value(Kind::TensorMask, at::ones({16, 16}, at::kLong))},
                      ctx);
  CHECK(out[0].tensor().scalar_type() == at::kFloat);
  CHECK(out[0].tensor().max().item<float>() == 1.0f);
  CHECK(out[1].tensor().scalar_type() == at::kLong);
  CHECK(at::equal(to_float.decode(out)[0].tensor(), pixels));
}

TEST_CASE("Normalize.from_stats(imagenet_stats): red 1.0 becomes (1 - 0.485) / 0.229 = 2.2489", "[vision]") {
  auto norm = strata::Normalize::from_stats(strata::imagenet_stats);
  TransformContext ctx;
  auto batch = at::ones({2, 3, 4, 4});
  auto out = (*norm)(Value(Kind::TensorImage, batch), ctx).tensor();
  CHECK(out[0][0][0][0].item<float>() == Approx((1 - 0.485) / 0.229).epsilon(1e-6));
  CHECK(out[1][2][3][3].item<float>() == Approx((1 - 0.406) / 0.225).epsilon(1e-6));
  // An item [C, H, W] normalises the same way.
  auto item = (*norm)(Value(Kind::TensorImage, at::ones({3, 4, 4})), ctx).tensor();
  CHECK(item.sizes() == at::IntArrayRef({3, 4, 4}));
  CHECK(at::allclose(item, out[0]));
}

TEST_CASE("Normalize: decode inverts encode", "[vision]") {
  auto norm = strata::Normalize::from_stats(strata::imagenet_stats);
  TransformContext ctx;
  auto x = at::rand({2, 3, 5, 5});
  auto back = norm->decode(Item{(*norm)(Value(Kind::TensorImage, x), ctx)})[0].tensor();
  CHECK(at::allclose(back, x, 1e-5, 1e-6));
}

TEST_CASE("Normalize: integer images and channel mismatches are refused with the shape", "[vision]") {
  auto norm = strata::Normalize::from_stats(strata::imagenet_stats);
  TransformContext ctx;
  CHECK_THROWS_WITH((*norm)(Value(Kind::TensorImage, at::zeros({3, 2, 2}, at::kByte)), ctx),
                    Contains("add IntToFloatTensor before it"));
  CHECK_THROWS_WITH((*norm)(Value(Kind::TensorImage, at::zeros({1, 2, 2, 2})), ctx),
                    Contains("the image has 2 channels ([1, 2, 2, 2]), the statistics have 3"));
  CHECK_THROWS_WITH(strata::Normalize({0.5}, {0.0}), Contains("std[0] must be positive"));
}

TEST_CASE("Pipeline: ToTensor, IntToFloatTensor, Normalize decode back to the source pixels", "[vision]") {
  strata::Pipeline p({strata::Normalize::from_stats(strata::imagenet_stats), std::make_shared<strata::ToTensor>(),
                      std::make_shared<strata::IntToFloatTensor>()});
  REQUIRE(p.transforms().front()->name() == "ToTensor");
  REQUIRE(p.transforms().back()->name() == "Normalize");
  TransformContext ctx;
  auto hwc = at::randint(0, 256, {6, 7, 3}, at::kByte);
  Item encoded = p(Item{Value(Kind::Image, hwc)}, ctx);
  CHECK(encoded[0].kind() == Kind::TensorImage);
  Item decoded = p.decode(encoded);
  CHECK(decoded[0].kind() == Kind::Image);
  CHECK(at::equal(decoded[0].tensor(), hwc));
}
