#pragma once
/// A restricted reader and writer of Python pickles, enough for PyTorch weight files.
///
/// Only the opcodes and globals that `torch.save(model.state_dict())` and fastai's `learn.save`
/// produce are accepted: OrderedDict, tensors rebuilt from storages, plain containers, numbers and
/// strings. Anything else (another global, an unknown opcode, a read past the buffer) is refused
/// with a clear error: no pickle content is ever executed. So are values that contain themselves
/// (a list or dict changed after it was put inside another value, which Python's pickler never
/// writes) and values nested deeper than 100 levels: a hostile file cannot leak or overflow the stack.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace strata {

/// One unpickled value.
class PickleValue {
 public:
  enum class Type { None, Bool, Int, Float, String, Bytes, Tensor, List, Tuple, Dict, Global, Storage };
  using Items = std::vector<PickleValue>;
  using Pairs = std::vector<std::pair<PickleValue, PickleValue>>;

  PickleValue() = default;
  static PickleValue none() { return {}; }
  static PickleValue boolean(bool v);
  static PickleValue integer(std::int64_t v);
  static PickleValue floating(double v);
  static PickleValue string(std::string v);
  static PickleValue bytes(std::string v);
  static PickleValue tensor(at::Tensor v);
  static PickleValue list(Items v);
  static PickleValue tuple(Items v);
  static PickleValue dict(Pairs v);
  static PickleValue global(std::string module, std::string name);
  /// A storage (a flat 1-D tensor of its dtype) referenced by tensors through a persistent id.
  static PickleValue storage(at::Tensor flat);

  Type type() const { return type_; }
  bool is(Type t) const { return type_ == t; }
  /// "Dict", "Tensor", ... for messages.
  const char* type_name() const;

  bool as_bool() const;
  std::int64_t as_int() const;
  double as_float() const;  ///< also accepts an Int
  const std::string& as_string() const;  ///< String or Bytes
  const at::Tensor& as_tensor() const;   ///< Tensor or Storage
  const Items& as_items() const;          ///< List or Tuple
  Items& as_items();
  const Pairs& as_pairs() const;
  Pairs& as_pairs();
  /// "module.name" of a Global.
  std::string global_name() const;

  /// The value under string key `key` of a Dict, or nullptr.
  const PickleValue* find(const std::string& key) const;

 private:
  /// A value of `type` whose payload `fill(value)` sets (defined in pickle.cpp, its only user).
  template <typename Fill>
  static PickleValue make(Type type, Fill fill);
  Type type_ = Type::None;
  std::int64_t int_ = 0;
  double float_ = 0;
  std::string text_;  // String/Bytes payload, or Global "module\nname"
  at::Tensor tensor_;
  std::shared_ptr<Items> items_;
  std::shared_ptr<Pairs> pairs_;
};

/// Maps a persistent id (the tuple torch.save writes for each storage) to a Storage value.
using PersistentLoad = std::function<PickleValue(const PickleValue& pid)>;

/// Unpickles one pickle from `data[offset, size)`; on return `offset` points past its STOP.
/// `what` names the file in errors.
PickleValue unpickle(const std::uint8_t* data, std::size_t size, std::size_t& offset, const PersistentLoad& load,
                     const std::string& what);

/// Pickles `root` (protocol 2) the way torch.save writes it: each tensor becomes a persistent id
/// ('storage', its storage class, key, 'cpu', numel) and is appended to `storages` as (key, its
/// contiguous CPU copy), for the caller to write as the archive's "data/" + key records.
std::string pickle(const PickleValue& root, std::vector<std::pair<std::string, at::Tensor>>& storages);

/// The scalar type of a PyTorch storage class name ("FloatStorage" -> Float); throws otherwise.
at::ScalarType storage_scalar_type(const std::string& storage_class);
/// The storage class name of a scalar type (Float -> "FloatStorage").
std::string storage_class_name(at::ScalarType type);

}  // namespace strata
