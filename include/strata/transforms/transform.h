#pragma once
/// fastcore's Transform: encodes/decodes per value Kind, `order`, `split_idx` and `setup`.
///
/// Applied to an item (a tuple of typed values) a Transform encodes each value whose Kind it
/// defines and passes the others through unchanged. Random transforms draw their parameters once
/// per item in `encode_item` (so an image and its mask get the same crop) from the context's Rng.
/// An "item transform" that needs the whole tuple (e.g. a path -> (image, image, label) transform)
/// overrides `encode_item` instead.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "strata/core/random.h"
#include "strata/core/value.h"

namespace strata {

/// Which subset an item belongs to (fastai's split_idx: 0 training, 1 validation).
enum class Split { Train = 0, Valid = 1 };

/// What a transform knows about the call: the subset and the item's own generator.
struct TransformContext {
  Split split = Split::Valid;
  Rng* rng = nullptr;  ///< per-item generator; random transforms require it on Split::Train

  /// The generator, or a ValueError naming `who` when none was given.
  Rng& generator(const char* who) const;
};

/// A lazily evaluated list of items, as `setup` sees the training subset.
struct ItemsView {
  std::size_t size = 0;
  std::function<Item(std::size_t)> get;
};

class Transform {
 public:
  using EncodeFn = std::function<Value(const Value&, TransformContext&)>;
  using DecodeFn = std::function<Value(const Value&)>;

  /// `order`: position in a Pipeline (lower first). `split_idx`: apply only to that subset
  /// (nullopt: to every subset).
  explicit Transform(std::string name, int order = 0, std::optional<Split> split_idx = std::nullopt);
  virtual ~Transform() = default;
  Transform(const Transform&) = delete;
  Transform& operator=(const Transform&) = delete;

  const std::string& name() const { return name_; }
  int order() const { return order_; }
  std::optional<Split> split_idx() const { return split_idx_; }
  /// True when this transform runs on items of `split`.
  bool applies_to(Split split) const { return !split_idx_ || *split_idx_ == split; }

  /// Encodes `item` when `applies_to(ctx.split)`, else returns it unchanged.
  Item operator()(Item item, TransformContext& ctx) const;
  /// Encodes one value as if it were a one-element item.
  Value operator()(const Value& value, TransformContext& ctx) const;
  /// Inverts the encoding where a decodes is defined (for display); other values pass through.
  Item decode(Item item) const;

  /// Computes state (a vocab, statistics) from the training items; default: nothing.
  virtual void setup(const ItemsView& training_items);

 protected:
  /// Encodes a whole item; default: `encode_value` on each element.
  virtual Item encode_item(Item item, TransformContext& ctx) const;
  /// Decodes a whole item; default: `decode_value` on each element.
  virtual Item decode_item(Item item) const;

  /// Dispatches on the value's Kind; values of kinds without an encodes pass through.
  Value encode_value(const Value& value, TransformContext& ctx) const;
  Value decode_value(const Value& value) const;

  /// Registers the encodes (decodes) for one Kind; called from subclass constructors.
  void define_encodes(Kind kind, EncodeFn fn);
  void define_decodes(Kind kind, DecodeFn fn);

 private:
  std::string name_;
  int order_;
  std::optional<Split> split_idx_;
  std::map<Kind, EncodeFn> encoders_;
  std::map<Kind, DecodeFn> decoders_;
};

using TransformPtr = std::shared_ptr<Transform>;

/// A transform from functions, for the few-line case (fastai: Transform(enc, dec)).
class LambdaTransform : public Transform {
 public:
  LambdaTransform(std::string name, std::map<Kind, EncodeFn> encodes, std::map<Kind, DecodeFn> decodes = {},
                  int order = 0, std::optional<Split> split_idx = std::nullopt);
};

/// A transform that sees the whole item (fastai: ItemTransform), e.g. path -> (image, label).
class ItemTransform : public Transform {
 public:
  using ItemFn = std::function<Item(Item, TransformContext&)>;
  using ItemDecodeFn = std::function<Item(Item)>;

  ItemTransform(std::string name, ItemFn encodes, ItemDecodeFn decodes = nullptr, int order = 0,
                std::optional<Split> split_idx = std::nullopt);

 protected:
  Item encode_item(Item item, TransformContext& ctx) const override;
  Item decode_item(Item item) const override;

 private:
  ItemFn encodes_;
  ItemDecodeFn decodes_;
};

}  // namespace strata
