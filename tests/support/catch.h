#pragma once
// Catch2 v2 (Debian) / v3 shim: tests include this instead of a Catch2 header.

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#define STRATA_CATCH3 1
#else
#include <catch2/catch.hpp>
#endif

#include <string>

namespace strata_test {
/// Matches an exception message containing `part` (Catch2 v2 Contains / v3 ContainsSubstring).
inline auto Contains(const std::string& part) {
#ifdef STRATA_CATCH3
  return Catch::Matchers::ContainsSubstring(part);
#else
  return Catch::Matchers::Contains(part);
#endif
}
}  // namespace strata_test
