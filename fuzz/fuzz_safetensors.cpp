// libFuzzer target: .safetensors files (header size, JSON header, offsets, dtypes).
#include "fuzz_input.h"
#include "strata/core/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& file = strata_fuzz::write_input(data, size);
  return strata_fuzz::expect_only_clean_errors([&] { (void)strata::read_safetensors(file); });
}
