// glibc malloc tuning for CPU training: a block freed by one step is reused by the next instead
// of being unmapped and faulted in again.
#include <cstdlib>
#include <string>
#include <vector>

#include <torch/torch.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "catch.h"
#include "fixtures.h"
#include "strata/core/malloc_tuning.h"
#include "strata/learner/learner.h"
#include "strata/models/sequential.h"

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
namespace {

// Bytes glibc currently serves from separate mmaps while a 16 MB block is held.
std::size_t mmapped_while_holding_16mb() {
  void* block = std::malloc(16 << 20);
  REQUIRE(block != nullptr);
  const std::size_t held = mallinfo2().hblkhd;
  std::free(block);
  return held - mallinfo2().hblkhd;
}

// Back to glibc's initial settings, with the heap's free top released: 16 MB then comes from its
// own mmap (checked, which also shows that the measurement works).
void untune() {
  REQUIRE(mallopt(M_MMAP_THRESHOLD, 128 << 10) == 1);
  REQUIRE(mallopt(M_TRIM_THRESHOLD, 128 << 10) == 1);
  malloc_trim(0);
  REQUIRE(mmapped_while_holding_16mb() >= std::size_t{16 << 20});
}

}  // namespace

TEST_CASE("tune_cpu_allocator: a freed 16 MB block stays in malloc's heap; GLIBC_TUNABLES wins", "[core]") {
  const strata_test::ScopedEnv tunables("GLIBC_TUNABLES");
  untune();
  tunables.set("glibc.malloc.arena_max=2");
  CHECK_FALSE(strata::tune_cpu_allocator());
  CHECK(mmapped_while_holding_16mb() >= std::size_t{16 << 20});

  tunables.unset();
  REQUIRE(strata::tune_cpu_allocator());
  CHECK(mmapped_while_holding_16mb() == 0);
}

TEST_CASE("Learner's loops tune malloc unless LearnerOptions::tune_malloc(false)", "[learner]") {
  const strata_test::ScopedEnv tunables("GLIBC_TUNABLES");
  tunables.unset();
  const std::string loop = GENERATE("fit", "validate", "get_preds");
  const bool tune = GENERATE(true, false);
  std::vector<strata::Item> items;
  for (int i = 0; i < 16; ++i)
    items.push_back({strata::Value(strata::Kind::Tensor, at::randn({4})), strata::Value::category(i % 2)});
  strata::Splits splits;
  for (int i = 0; i < 16; ++i) (i < 12 ? splits.train : splits.valid).push_back(i);
  auto dls = strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), splits),
                                 strata::DataLoadersOptions().bs(4).num_workers(0));
  strata::Learner learn(dls, strata::Sequential(torch::nn::Linear(4, 2)),
                        strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).tune_malloc(tune));
  learn.logging = false;
  untune();
  if (loop == "fit") learn.fit(1);
  else if (loop == "validate") learn.validate();
  else learn.get_preds();
  INFO(loop << " with tune_malloc " << tune);
  if (tune) CHECK(mmapped_while_holding_16mb() == 0);
  else CHECK(mmapped_while_holding_16mb() >= std::size_t{16 << 20});
}
#endif
