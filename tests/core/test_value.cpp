#include <ATen/ATen.h>

#include "catch.h"
#include "strata/core/value.h"
#include "strata/core/error.h"

using strata::Kind;
using strata::Value;
using strata_test::Contains;

TEST_CASE("Value: a tensor value keeps its kind and tensor", "[core]") {
  Value v(Kind::TensorImage, at::zeros({3, 4, 5}, at::kByte));
  CHECK(v.is(Kind::TensorImage));
  CHECK(v.tensor().sizes() == at::IntArrayRef({3, 4, 5}));
  Value w = v.with(at::ones({3, 2, 2}));
  CHECK(w.kind() == Kind::TensorImage);
  CHECK(w.tensor().size(1) == 2);
}

TEST_CASE("Value: text and category constructors", "[core]") {
  auto t = Value::text("images/Abyssinian_1.jpg");
  CHECK(t.is_text());
  CHECK(t.str() == "images/Abyssinian_1.jpg");
  auto c = Value::category(7);
  CHECK(c.is(Kind::Category));
  CHECK(c.tensor().item<int64_t>() == 7);
  CHECK(c.tensor().scalar_type() == at::kLong);
}

TEST_CASE("Value: asking a text for its tensor, or a tensor for its text, names both", "[core]") {
  CHECK_THROWS_WITH(Value::text("a.jpg").tensor(), Contains("'a.jpg' is Text"));
  CHECK_THROWS_AS(Value::category(1).str(), strata::TypeError);
  CHECK_THROWS_WITH(Value::category(1).str(), Contains("Category"));
  CHECK_THROWS_WITH(Value(Kind::Text, at::zeros({1})), Contains("Value::text"));
  CHECK_THROWS_WITH(Value(Kind::Mask, at::Tensor()), Contains("Mask value needs a defined tensor"));
}

TEST_CASE("describe: summarises items for messages", "[core]") {
  strata::Item item{Value(Kind::Image, at::zeros({375, 500, 3}, at::kByte)), Value::category(3), Value::text("x")};
  CHECK(strata::describe(item) == "(Image Byte [375, 500, 3], Category 3, Text 'x')");
}
