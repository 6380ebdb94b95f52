// libFuzzer target: .pth files (zip and legacy torch.save formats) through read_pth and
// to_state_dict, as strata reads a downloaded weight file.
#include "fuzz_input.h"
#include "strata/core/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& file = strata_fuzz::write_input(data, size);
  return strata_fuzz::expect_only_clean_errors([&] {
    const strata::PickleValue root = strata::read_pth(file);
    (void)strata::to_state_dict(root, file.string());
  });
}
