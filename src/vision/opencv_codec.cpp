// The formats other than JPEG and PNG, through OpenCV (built with STRATA_WITH_OPENCV).
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image_codecs.h"
#include "opencv_tensor.h"
#include "strata/core/error.h"

namespace strata::detail {
namespace {

// 16-bit -> 8-bit as value / 257, rounded (float images as they are, saturated).
cv::Mat to_8bit(const cv::Mat& mat) {
  if (mat.depth() == CV_8U) return mat;
  cv::Mat eight;
  mat.convertTo(eight, CV_8U, mat.depth() == CV_16U ? 1.0 / 257.0 : 1.0);
  return eight;
}

}  // namespace

at::Tensor decode_other_format(const std::vector<std::uint8_t>& bytes, const std::string& name, DecodeTarget target) {
  const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data()));
  cv::Mat mat;
  try {
    mat = cv::imdecode(raw, cv::IMREAD_UNCHANGED | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    STRATA_FAIL(IOError, "'{}' is not a decodable image ({} bytes): {}", name, bytes.size(), e.what());
  }
  STRATA_CHECK_IO(!mat.empty(), "'{}' is not a decodable image ({} bytes)", name, bytes.size());
  const int channels = mat.channels();
  STRATA_CHECK_IO(channels == 1 || channels == 3 || channels == 4, "'{}': images with {} channels are not supported",
                  name, channels);
  if (target == DecodeTarget::mask && channels == 1) {
    if (mat.depth() != CV_8U) {
      STRATA_CHECK_IO(mat.depth() == CV_16U, "read_mask: '{}' has an unsupported pixel depth", name);
      double max_code = 0;
      cv::minMaxLoc(mat, nullptr, &max_code);
      STRATA_CHECK_IO(max_code <= 255, "read_mask: '{}' holds class code {} (above 255)", name, max_code);
      mat.convertTo(mat, CV_8U);
    }
    return tensor_from_mat(mat, /*keep_2d=*/true);
  }
  STRATA_CHECK_IO(target == DecodeTarget::rgb || mat.depth() == CV_8U,
                  "read_mask: '{}' is a {}-bit colour image, not a mask", name, mat.depth() == CV_16U ? 16 : 32);
  const cv::Mat eight = to_8bit(mat);
  at::Tensor rgb = at::empty({eight.rows, eight.cols, 3}, at::kByte);
  cv::Mat view(eight.rows, eight.cols, CV_8UC3, rgb.data_ptr());
  cv::cvtColor(eight, view, channels == 1 ? cv::COLOR_GRAY2RGB : (channels == 3 ? cv::COLOR_BGR2RGB : cv::COLOR_BGRA2RGB));
  if (target == DecodeTarget::rgb) return rgb;
  at::Tensor grey = at::empty({eight.rows, eight.cols}, at::kByte);
  rgb_to_luminance(rgb.data_ptr<std::uint8_t>(), rgb.size(0) * rgb.size(1), 3, grey.data_ptr<std::uint8_t>());
  return grey;
}

}  // namespace strata::detail
