// libFuzzer target: encoded images (JPEG through libjpeg, PNG through libpng, anything else
// refused), read as an image at full and reduced size and as a mask.
#include <vector>

#include "fuzz_input.h"
#include "strata/vision/image_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  strata::ReadImageOptions small;
  small.max_pixels = 1 << 22;  // larger claims are refused before decoding, as they should be
  strata_fuzz::expect_only_clean_errors([&] { (void)strata::decode_image(bytes, "fuzz", small); });
  small.reduce = 4;
  strata_fuzz::expect_only_clean_errors([&] { (void)strata::decode_image(bytes, "fuzz", small); });
  if (size < (1 << 16))
    strata_fuzz::expect_only_clean_errors([&] { (void)strata::read_mask(strata_fuzz::write_input(data, size)); });
  return 0;
}
