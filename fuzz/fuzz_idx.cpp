// libFuzzer target: idx files (MNIST / Fashion-MNIST format: magic, dimensions, data).
#include "fuzz_input.h"
#include "strata/data/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& file = strata_fuzz::write_input(data, size);
  return strata_fuzz::expect_only_clean_errors([&] { (void)strata::read_idx(file); });
}
