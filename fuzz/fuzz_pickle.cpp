// libFuzzer target: the restricted unpickler alone (the data.pkl inside a .pth), with storages
// resolved to small tensors as the zip reader does.
#include <ATen/ATen.h>

#include "fuzz_input.h"
#include "strata/core/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return strata_fuzz::expect_only_clean_errors([&] {
    std::size_t offset = 0;
    auto load = [](const strata::PickleValue&) { return strata::PickleValue::storage(at::zeros({16})); };
    (void)strata::unpickle(data, size, offset, load, "fuzz input");
  });
}
