#include "strata/transforms/transform.h"

#include "strata/core/error.h"

namespace strata {

Rng& TransformContext::generator(const char* who) const {
  STRATA_CHECK(rng != nullptr, "{}: a random transform needs TransformContext::rng on the training split", who);
  return *rng;
}

Transform::Transform(std::string name, int order, std::optional<Split> split_idx)
    : name_(std::move(name)), order_(order), split_idx_(split_idx) {}

Item Transform::operator()(Item item, TransformContext& ctx) const {
  if (!applies_to(ctx.split)) return item;
  return encode_item(std::move(item), ctx);
}

Value Transform::operator()(const Value& value, TransformContext& ctx) const {
  Item out = (*this)(Item{value}, ctx);
  STRATA_CHECK(out.size() == 1, "{}: encoding one value gave {} values", name_, out.size());
  return out.front();
}

Item Transform::decode(Item item) const { return decode_item(std::move(item)); }

void Transform::setup(const ItemsView&) {}

Item Transform::encode_item(Item item, TransformContext& ctx) const {
  for (auto& value : item) value = encode_value(value, ctx);
  return item;
}

Item Transform::decode_item(Item item) const {
  for (auto& value : item) value = decode_value(value);
  return item;
}

Value Transform::encode_value(const Value& value, TransformContext& ctx) const {
  auto it = encoders_.find(value.kind());
  return it == encoders_.end() ? value : it->second(value, ctx);
}

Value Transform::decode_value(const Value& value) const {
  auto it = decoders_.find(value.kind());
  return it == decoders_.end() ? value : it->second(value);
}

void Transform::define_encodes(Kind kind, EncodeFn fn) { encoders_[kind] = std::move(fn); }
void Transform::define_decodes(Kind kind, DecodeFn fn) { decoders_[kind] = std::move(fn); }

LambdaTransform::LambdaTransform(std::string name, std::map<Kind, EncodeFn> encodes,
                                 std::map<Kind, DecodeFn> decodes, int order, std::optional<Split> split_idx)
    : Transform(std::move(name), order, split_idx) {
  for (auto& [kind, fn] : encodes) define_encodes(kind, std::move(fn));
  for (auto& [kind, fn] : decodes) define_decodes(kind, std::move(fn));
}

ItemTransform::ItemTransform(std::string name, ItemFn encodes, ItemDecodeFn decodes, int order,
                             std::optional<Split> split_idx)
    : Transform(std::move(name), order, split_idx), encodes_(std::move(encodes)), decodes_(std::move(decodes)) {
  STRATA_CHECK(encodes_ != nullptr, "ItemTransform '{}': encodes must be a callable", this->name());
}

Item ItemTransform::encode_item(Item item, TransformContext& ctx) const { return encodes_(std::move(item), ctx); }

Item ItemTransform::decode_item(Item item) const { return decodes_ ? decodes_(std::move(item)) : item; }

}  // namespace strata
