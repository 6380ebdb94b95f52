// glibc malloc tuning for CPU training: a block freed by one step is reused by the next instead
// of being unmapped and faulted in again.
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "catch.h"
#include "fixtures.h"
#include "strata/core/malloc_tuning.h"

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

}  // namespace

TEST_CASE("tune_cpu_allocator: a freed 16 MB block stays in malloc's heap; GLIBC_TUNABLES wins", "[core]") {
  const strata_test::ScopedEnv tunables("GLIBC_TUNABLES");
  // Back to glibc's initial settings, with the heap's free top released: 16 MB then comes from
  // its own mmap (which also shows that the measurement works).
  REQUIRE(mallopt(M_MMAP_THRESHOLD, 128 << 10) == 1);
  REQUIRE(mallopt(M_TRIM_THRESHOLD, 128 << 10) == 1);
  malloc_trim(0);
  CHECK(mmapped_while_holding_16mb() >= std::size_t{16 << 20});

  tunables.set("glibc.malloc.arena_max=2");
  CHECK_FALSE(strata::tune_cpu_allocator());
  CHECK(mmapped_while_holding_16mb() >= std::size_t{16 << 20});

  tunables.unset();
  REQUIRE(strata::tune_cpu_allocator());
  CHECK(mmapped_while_holding_16mb() == 0);
}
#endif
