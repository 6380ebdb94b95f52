#include <ATen/ATen.h>

#include "catch.h"
#include "strata/core/error.h"
#include "strata/transforms/pipeline.h"

using strata::Item;
using strata::Kind;
using strata::TransformContext;
using strata::Value;
using strata_test::Contains;

namespace {

// Appends its name to a Text value, so the order of application is visible.
std::shared_ptr<strata::Transform> tag(const std::string& name, int order) {
  return std::make_shared<strata::LambdaTransform>(
      name,
      std::map<Kind, strata::Transform::EncodeFn>{
          {Kind::Text, [name](const Value& v, TransformContext&) { return Value::text(v.str() + name); }}},
      std::map<Kind, strata::Transform::DecodeFn>{{Kind::Text,
                                                   [name](const Value& v) {
                                                     auto s = v.str();
                                                     REQUIRE(s.size() >= name.size());
                                                     REQUIRE(s.substr(s.size() - name.size()) == name);
                                                     return Value::text(s.substr(0, s.size() - name.size()));
                                                   }}},
      order);
}

// Counts the distinct texts it saw at setup time (a stand-in for Categorize's vocab).
class CountSetup : public strata::Transform {
 public:
  CountSetup() : Transform("CountSetup", 5) {}
  void setup(const strata::ItemsView& items) override {
    seen.clear();
    for (std::size_t i = 0; i < items.size; ++i) seen.push_back(items.get(i).at(0).str());
  }
  std::vector<std::string> seen;
};

}  // namespace

TEST_CASE("Pipeline: applies transforms sorted by order, ties in the given order", "[transforms]") {
  strata::Pipeline p({tag("c", 10), tag("a", 1), tag("b", 1)});
  TransformContext ctx;
  CHECK(p(Item{Value::text("")}, ctx).at(0).str() == "abc");
}

TEST_CASE("Pipeline: decode runs the decodes in reverse order", "[transforms]") {
  strata::Pipeline p({tag("x", 2), tag("y", 1)});
  TransformContext ctx;
  Item encoded = p(Item{Value::text("s")}, ctx);
  CHECK(encoded.at(0).str() == "syx");
  CHECK(p.decode(encoded).at(0).str() == "s");
}

TEST_CASE("Pipeline: setup shows each transform the items encoded by the ones before it", "[transforms]") {
  auto counter = std::make_shared<CountSetup>();
  strata::Pipeline p({tag("!", 1), counter, tag("?", 9)});
  std::vector<std::string> raw{"a", "b"};
  p.setup({raw.size(), [&](std::size_t i) { return Item{Value::text(raw[i])}; }});
  CHECK(counter->seen == std::vector<std::string>{"a!", "b!"});
}

TEST_CASE("Pipeline: a null transform is refused with its position", "[transforms]") {
  CHECK_THROWS_WITH(strata::Pipeline({tag("a", 0), nullptr}), Contains("transform #1 is null"));
}
