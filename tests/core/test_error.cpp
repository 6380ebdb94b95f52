#include "catch.h"
#include "strata/core/error.h"

using strata_test::Contains;

TEST_CASE("STRATA_CHECK: a failed check throws ValueError with the formatted message", "[core]") {
  const int got = 3;
  REQUIRE_THROWS_AS([&] { STRATA_CHECK(got == 4, "expected 4, got {}", got); }(), strata::ValueError);
  REQUIRE_THROWS_WITH([&] { STRATA_CHECK(got == 4, "expected 4, got {}", got); }(), Contains("expected 4, got 3"));
  CHECK_NOTHROW([&] { STRATA_CHECK(got == 3, "never"); }());
}

TEST_CASE("STRATA_CHECK_*: each macro throws its own strata::Error subclass", "[core]") {
  CHECK_THROWS_AS([&] { STRATA_CHECK_INDEX(false, "i"); }(), strata::IndexError);
  CHECK_THROWS_AS([&] { STRATA_CHECK_KEY(false, "k"); }(), strata::KeyError);
  CHECK_THROWS_AS([&] { STRATA_CHECK_TYPE(false, "t"); }(), strata::TypeError);
  CHECK_THROWS_AS([&] { STRATA_CHECK_IO(false, "io"); }(), strata::IOError);
  CHECK_THROWS_AS(STRATA_FAIL(strata::KeyError, "missing '{}'", "fc.weight"), strata::Error);
  CHECK_THROWS_WITH(STRATA_FAIL(strata::KeyError, "missing '{}'", "fc.weight"), "missing 'fc.weight'");
}

TEST_CASE("shape_str: formats sizes like a Python list", "[core]") {
  CHECK(strata::shape_str(std::vector<int64_t>{64, 3, 7, 7}) == "[64, 3, 7, 7]");
  CHECK(strata::shape_str(std::vector<int64_t>{}) == "[]");
}
