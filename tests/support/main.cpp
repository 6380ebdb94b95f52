// One Catch2 main for every strata test binary (v2 and v3).
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include <spdlog/spdlog.h>

#include "strata/core/logging.h"

int main(int argc, char** argv) {
  // Library warnings would clutter test output; the tests check messages through exceptions.
  strata::logger()->set_level(spdlog::level::err);
  return Catch::Session().run(argc, argv);
}
