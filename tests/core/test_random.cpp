#include <set>

#include <ATen/ATen.h>

#include "catch.h"
#include "strata/core/random.h"

TEST_CASE("derive_seed: deterministic, and different for different parts", "[core]") {
  CHECK(strata::derive_seed({1, 2, 3}) == strata::derive_seed({1, 2, 3}));
  std::set<uint64_t> seen;
  for (uint64_t epoch = 0; epoch < 10; ++epoch)
    for (uint64_t index = 0; index < 100; ++index) seen.insert(strata::derive_seed({42, epoch, index}));
  CHECK(seen.size() == 1000);
  CHECK(strata::derive_seed({1, 2}) != strata::derive_seed({2, 1}));
}

TEST_CASE("Rng: the same seed gives the same draws", "[core]") {
  strata::Rng a(5), b(5), c(6);
  for (int i = 0; i < 10; ++i) {
    const double x = a.uniform();
    CHECK(x == b.uniform());
    CHECK(x >= 0.0);
    CHECK(x < 1.0);
  }
  CHECK(a.uniform() != c.uniform());
}

TEST_CASE("Rng: randint covers both ends and uniform(lo, hi) stays inside", "[core]") {
  strata::Rng rng(1);
  std::set<int64_t> values;
  for (int i = 0; i < 1000; ++i) values.insert(rng.randint(0, 3));
  CHECK(values == std::set<int64_t>{0, 1, 2, 3});
  for (int i = 0; i < 1000; ++i) {
    const double x = rng.uniform(-2.0, -1.0);
    CHECK(x >= -2.0);
    CHECK(x < -1.0);
  }
}

TEST_CASE("seed_everything: makes LibTorch's random tensors repeatable", "[core]") {
  strata::seed_everything(123);
  const auto a = at::randn({8});
  strata::seed_everything(123);
  const auto b = at::randn({8});
  CHECK(at::equal(a, b));
  CHECK(strata::default_seed() == 123);
}
