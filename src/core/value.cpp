#include "strata/core/value.h"

#include <ATen/ATen.h>

#include "strata/core/error.h"

namespace strata {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Image: return "Image";
    case Kind::Mask: return "Mask";
    case Kind::TensorImage: return "TensorImage";
    case Kind::TensorMask: return "TensorMask";
    case Kind::Category: return "Category";
    case Kind::MultiCategory: return "MultiCategory";
    case Kind::Points: return "Points";
    case Kind::Tensor: return "Tensor";
    case Kind::Text: return "Text";
  }
  return "?";
}

Value::Value(Kind kind, at::Tensor data) : kind_(kind), tensor_(std::move(data)) {
  STRATA_CHECK_TYPE(kind != Kind::Text, "Value: a Text value holds a string; use Value::text()");
  STRATA_CHECK(tensor_.defined(), "Value: a {} value needs a defined tensor", kind_name(kind));
}

Value Value::text(std::string text) {
  Value v;
  v.kind_ = Kind::Text;
  v.text_ = std::move(text);
  return v;
}

Value Value::category(std::int64_t index) {
  return Value(Kind::Category, at::scalar_tensor(index, at::kLong));
}

const at::Tensor& Value::tensor() const {
  STRATA_CHECK_TYPE(kind_ != Kind::Text, "Value: '{}' is Text, not a tensor", text_);
  return tensor_;
}

const std::string& Value::str() const {
  STRATA_CHECK_TYPE(kind_ == Kind::Text, "Value: a {} value holds a tensor, not a string", kind_name(kind_));
  return text_;
}

std::string describe(const Value& value) {
  if (value.is_text()) return fmt::format("Text '{}'", value.str());
  const auto& t = value.tensor();
  if (t.dim() == 0) {
    if (t.is_floating_point()) return fmt::format("{} {}", kind_name(value.kind()), t.item<double>());
    return fmt::format("{} {}", kind_name(value.kind()), t.item<std::int64_t>());
  }
  return fmt::format("{} {} {}", kind_name(value.kind()), c10::toString(t.scalar_type()), shape_str(t.sizes()));
}

std::string describe(const Item& item) {
  std::string out = "(";
  for (size_t i = 0; i < item.size(); ++i) {
    if (i) out += ", ";
    out += describe(item[i]);
  }
  return out + ")";
}

}  // namespace strata
