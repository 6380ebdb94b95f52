// kill -9 at any moment of a save leaves the old file or the new one, never a torn one.
#include <random>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/weights.h"

namespace fs = std::filesystem;

TEST_CASE("kill -9 during save_pth, in a loop: the file is always the old or the new state", "[core]") {
  strata_test::TempDir dir;
  const fs::path file = dir / "checkpoint.pth";
  strata::StateDict zeros, ones;
  zeros.insert("w", torch::zeros({1 << 20}));  // 4 MB: a save takes a while
  ones.insert("w", torch::ones({1 << 20}));
  strata::save_pth(zeros, file);
  std::mt19937 rng(0);
  int killed_mid_write = 0;
  for (int round = 0; round < 25; ++round) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // saves the two states in turn until killed
      for (int i = 1;; ++i) strata::save_pth(i % 2 == 1 ? ones : zeros, file);
    }
    ::usleep(2000 + rng() % 30000);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    const strata::StateDict state = strata::read_state_dict(file);  // never torn: always parses
    REQUIRE(state.size() == 1);
    const auto& w = state["w"];
    CHECK((w.equal(zeros["w"]) || w.equal(ones["w"])));
    for (const auto& entry : fs::directory_iterator(dir.path()))
      if (entry.path() != file) ++killed_mid_write;  // the killed writer's temporary file
  }
  // The kills landed mid-write at least sometimes, so the check above was not vacuous.
  CHECK(killed_mid_write > 0);
}
