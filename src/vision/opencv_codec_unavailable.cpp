// Built with STRATA_WITH_OPENCV=OFF: JPEG and PNG only.
#include "image_codecs.h"
#include "strata/core/error.h"

namespace strata::detail {

at::Tensor decode_other_format(const std::vector<std::uint8_t>& bytes, const std::string& name, DecodeTarget) {
  STRATA_FAIL(IOError,
              "'{}' is not a decodable image ({} bytes): neither a JPEG nor a PNG, and this strata was built "
              "without OpenCV (STRATA_WITH_OPENCV=OFF), which reads the other formats",
              name, bytes.size());
}

}  // namespace strata::detail
