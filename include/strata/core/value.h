#pragma once
/// Typed values: fastai's typed tensors (PILImage, TensorImage, TensorMask, TensorCategory, ...).
///
/// An item is a tuple of typed values (`Item`), e.g. (image, category) or, for the Siamese task,
/// (image, image, category). A batch has the same shape: each value then carries a leading batch
/// dimension. Transforms dispatch on `Kind`, so a transform that only encodes images leaves masks
/// and categories untouched.

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace strata {

/// The semantic type of a value. Shapes are for one item; a batch prepends N.
enum class Kind {
  Image,          ///< decoded picture, uint8 [H, W, C] (C = 3, RGB); fastai PILImage
  Mask,           ///< segmentation mask, uint8 or int64 [H, W]; fastai PILMask
  TensorImage,    ///< uint8 or float [C, H, W]; fastai TensorImage
  TensorMask,     ///< int64 [H, W]; fastai TensorMask
  Category,       ///< int64 scalar, an index into a vocab; fastai TensorCategory
  MultiCategory,  ///< multi-hot float [n_classes] or index list; fastai TensorMultiCategory
  Points,         ///< float [n, 2] (x, y) in pixels; fastai TensorPoint
  Tensor,         ///< any other tensor (regression targets, features)
  Text,           ///< a string: a file path, an unencoded label
};

/// "Image", "TensorMask", ... for messages.
const char* kind_name(Kind kind);

/// One typed value: a tensor or a string, tagged with its Kind.
class Value {
 public:
  Value() = default;
  Value(Kind kind, at::Tensor data);
  /// A Text value.
  static Value text(std::string text);
  /// An int64 Category value holding `index`.
  static Value category(std::int64_t index);

  Kind kind() const { return kind_; }
  bool is(Kind kind) const { return kind_ == kind; }
  bool is_text() const { return kind_ == Kind::Text; }

  /// The tensor; throws TypeError for a Text value.
  const at::Tensor& tensor() const;
  /// The string; throws TypeError for a tensor value.
  const std::string& str() const;

  /// A value of the same kind holding `data` (what most encodes return).
  Value with(at::Tensor data) const { return Value(kind_, std::move(data)); }

 private:
  Kind kind_ = Kind::Tensor;
  at::Tensor tensor_;
  std::string text_;
};

/// A tuple of typed values: one dataset item or one collated batch.
using Item = std::vector<Value>;

/// Short description such as "(Image uint8 [375, 500, 3], Category 3)" for messages and summaries.
std::string describe(const Value& value);
std::string describe(const Item& item);

}  // namespace strata
