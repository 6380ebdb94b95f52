#include <ATen/ATen.h>

#include "catch.h"
#include "strata/core/error.h"
#include "strata/transforms/transform.h"

using strata::Item;
using strata::Kind;
using strata::Split;
using strata::TransformContext;
using strata::Value;
using strata_test::Contains;

namespace {

// Doubles images only: masks and categories must pass through untouched.
class DoubleImages : public strata::Transform {
 public:
  DoubleImages() : Transform("DoubleImages", 3) {
    define_encodes(Kind::TensorImage, [](const Value& v, TransformContext&) { return v.with(v.tensor() * 2); });
    define_decodes(Kind::TensorImage, [](const Value& v) { return v.with(v.tensor() / 2); });
  }
};

Item sample_item() {
  return {Value(Kind::TensorImage, at::ones({1, 2, 2})), Value(Kind::TensorMask, at::ones({2, 2}, at::kLong)),
          Value::category(4)};
}

}  // namespace

TEST_CASE("Transform: encodes dispatch on the value's kind; other kinds pass through", "[transforms]") {
  DoubleImages t;
  TransformContext ctx;
  Item out = t(sample_item(), ctx);
  REQUIRE(out.size() == 3);
  CHECK(out[0].tensor().sum().item<float>() == 8.0f);
  CHECK(out[1].tensor().sum().item<int64_t>() == 4);
  CHECK(out[2].tensor().item<int64_t>() == 4);
}

TEST_CASE("Transform: decode inverts encode for the kinds it defines", "[transforms]") {
  DoubleImages t;
  TransformContext ctx;
  Item back = t.decode(t(sample_item(), ctx));
  CHECK(at::equal(back[0].tensor(), at::ones({1, 2, 2})));
}

TEST_CASE("Transform: split_idx limits a transform to one subset", "[transforms]") {
  strata::LambdaTransform train_only(
      "AddOne", {{Kind::Tensor, [](const Value& v, TransformContext&) { return v.with(v.tensor() + 1); }}}, {}, 0,
      Split::Train);
  CHECK(train_only.applies_to(Split::Train));
  CHECK_FALSE(train_only.applies_to(Split::Valid));
  Value x(Kind::Tensor, at::zeros({1}));
  TransformContext train{Split::Train, nullptr}, valid{Split::Valid, nullptr};
  CHECK(train_only(x, train).tensor().item<float>() == 1.0f);
  CHECK(train_only(x, valid).tensor().item<float>() == 0.0f);
}

TEST_CASE("ItemTransform: sees the whole tuple and may change its length", "[transforms]") {
  // The Siamese shape: a path becomes (a, b, same?).
  strata::ItemTransform pair(
      "Pair",
      [](Item item, TransformContext&) {
        const auto& path = item.at(0).str();
        return Item{Value::text(path + "#1"), Value::text(path + "#2"), Value::category(1)};
      },
      [](Item item) { return Item{item.at(0)}; });
  TransformContext ctx;
  Item out = pair(Item{Value::text("cat.jpg")}, ctx);
  REQUIRE(out.size() == 3);
  CHECK(out[1].str() == "cat.jpg#2");
  CHECK(pair.decode(out).size() == 1);
}

TEST_CASE("TransformContext: a random transform without a generator names itself", "[transforms]") {
  TransformContext ctx{Split::Train, nullptr};
  CHECK_THROWS_WITH(ctx.generator("Resize"), Contains("Resize: a random transform needs"));
}

TEST_CASE("ItemTransform: a missing callable is refused at construction", "[transforms]") {
  CHECK_THROWS_WITH(strata::ItemTransform("Broken", nullptr), Contains("ItemTransform 'Broken'"));
}
