#include "opencv_tensor.h"

#include "strata/core/error.h"

namespace strata::detail {
namespace {

int cv_depth(at::ScalarType type) {
  switch (type) {
    case at::kByte: return CV_8U;
    case at::kChar: return CV_8S;
    case at::kShort: return CV_16S;
    case at::kInt: return CV_32S;
    case at::kFloat: return CV_32F;
    case at::kDouble: return CV_64F;
    default: STRATA_FAIL(TypeError, "OpenCV bridge: tensors of type {} have no OpenCV matrix type", c10::toString(type));
  }
}

at::ScalarType torch_type(int depth) {
  switch (depth) {
    case CV_8U: return at::kByte;
    case CV_8S: return at::kChar;
    case CV_16S: return at::kShort;
    case CV_32S: return at::kInt;
    case CV_32F: return at::kFloat;
    case CV_64F: return at::kDouble;
    default: STRATA_FAIL(TypeError, "OpenCV bridge: OpenCV depth {} has no tensor type", depth);
  }
}

}  // namespace

cv::Mat mat_view(const at::Tensor& hwc) {
  STRATA_CHECK(hwc.dim() == 2 || hwc.dim() == 3, "OpenCV bridge: expected [H, W] or [H, W, C], got {}",
               shape_str(hwc.sizes()));
  STRATA_CHECK(hwc.is_contiguous() && hwc.device().is_cpu(), "OpenCV bridge: expected a contiguous CPU tensor");
  const int channels = hwc.dim() == 3 ? static_cast<int>(hwc.size(2)) : 1;
  return cv::Mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)),
                 CV_MAKETYPE(cv_depth(hwc.scalar_type()), channels), hwc.data_ptr());
}

at::Tensor tensor_from_mat(const cv::Mat& mat, bool keep_2d) {
  cv::Mat contiguous = mat.isContinuous() ? mat : mat.clone();
  const auto type = torch_type(contiguous.depth());
  at::Tensor out = (keep_2d && contiguous.channels() == 1)
                       ? at::empty({contiguous.rows, contiguous.cols}, at::TensorOptions().dtype(type))
                       : at::empty({contiguous.rows, contiguous.cols, contiguous.channels()},
                                   at::TensorOptions().dtype(type));
  std::memcpy(out.data_ptr(), contiguous.data, contiguous.total() * contiguous.elemSize());
  return out;
}

}  // namespace strata::detail
