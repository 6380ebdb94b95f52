#include "strata/core/pickle.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include <ATen/ATen.h>

#include "strata/core/error.h"

namespace strata {

// ---- PickleValue -------------------------------------------------------------------------------

template <typename Fill>
PickleValue PickleValue::make(Type type, Fill fill) {
  PickleValue p;
  p.type_ = type;
  fill(p);
  return p;
}
PickleValue PickleValue::boolean(bool v) { return make(Type::Bool, [&](PickleValue& p) { p.int_ = v; }); }
PickleValue PickleValue::integer(std::int64_t v) { return make(Type::Int, [&](PickleValue& p) { p.int_ = v; }); }
PickleValue PickleValue::floating(double v) { return make(Type::Float, [&](PickleValue& p) { p.float_ = v; }); }
PickleValue PickleValue::string(std::string v) {
  return make(Type::String, [&](PickleValue& p) { p.text_ = std::move(v); });
}
PickleValue PickleValue::bytes(std::string v) {
  return make(Type::Bytes, [&](PickleValue& p) { p.text_ = std::move(v); });
}
PickleValue PickleValue::tensor(at::Tensor v) {
  return make(Type::Tensor, [&](PickleValue& p) { p.tensor_ = std::move(v); });
}
PickleValue PickleValue::storage(at::Tensor flat) {
  return make(Type::Storage, [&](PickleValue& p) { p.tensor_ = std::move(flat); });
}
PickleValue PickleValue::list(Items v) {
  return make(Type::List, [&](PickleValue& p) { p.items_ = std::make_shared<Items>(std::move(v)); });
}
PickleValue PickleValue::tuple(Items v) {
  return make(Type::Tuple, [&](PickleValue& p) { p.items_ = std::make_shared<Items>(std::move(v)); });
}
PickleValue PickleValue::dict(Pairs v) {
  return make(Type::Dict, [&](PickleValue& p) { p.pairs_ = std::make_shared<Pairs>(std::move(v)); });
}
PickleValue PickleValue::global(std::string module, std::string name) {
  return make(Type::Global, [&](PickleValue& p) { p.text_ = module + "\n" + name; });
}

const char* PickleValue::type_name() const {
  switch (type_) {
    case Type::None: return "None";
    case Type::Bool: return "Bool";
    case Type::Int: return "Int";
    case Type::Float: return "Float";
    case Type::String: return "String";
    case Type::Bytes: return "Bytes";
    case Type::Tensor: return "Tensor";
    case Type::List: return "List";
    case Type::Tuple: return "Tuple";
    case Type::Dict: return "Dict";
    case Type::Global: return "Global";
    case Type::Storage: return "Storage";
  }
  return "?";
}

bool PickleValue::as_bool() const {
  STRATA_CHECK_TYPE(type_ == Type::Bool || type_ == Type::Int, "pickle: expected a Bool, got {}", type_name());
  return int_ != 0;
}
std::int64_t PickleValue::as_int() const {
  STRATA_CHECK_TYPE(type_ == Type::Int || type_ == Type::Bool, "pickle: expected an Int, got {}", type_name());
  return int_;
}
double PickleValue::as_float() const {
  if (type_ == Type::Int) return static_cast<double>(int_);
  STRATA_CHECK_TYPE(type_ == Type::Float, "pickle: expected a Float, got {}", type_name());
  return float_;
}
const std::string& PickleValue::as_string() const {
  STRATA_CHECK_TYPE(type_ == Type::String || type_ == Type::Bytes, "pickle: expected a String, got {}", type_name());
  return text_;
}
const at::Tensor& PickleValue::as_tensor() const {
  STRATA_CHECK_TYPE(type_ == Type::Tensor || type_ == Type::Storage, "pickle: expected a Tensor, got {}", type_name());
  return tensor_;
}
const PickleValue::Items& PickleValue::as_items() const {
  STRATA_CHECK_TYPE(type_ == Type::List || type_ == Type::Tuple, "pickle: expected a List or Tuple, got {}",
                    type_name());
  return *items_;
}
PickleValue::Items& PickleValue::as_items() {
  STRATA_CHECK_TYPE(type_ == Type::List || type_ == Type::Tuple, "pickle: expected a List or Tuple, got {}",
                    type_name());
  return *items_;
}
const PickleValue::Pairs& PickleValue::as_pairs() const {
  STRATA_CHECK_TYPE(type_ == Type::Dict, "pickle: expected a Dict, got {}", type_name());
  return *pairs_;
}
PickleValue::Pairs& PickleValue::as_pairs() {
  STRATA_CHECK_TYPE(type_ == Type::Dict, "pickle: expected a Dict, got {}", type_name());
  return *pairs_;
}
std::string PickleValue::global_name() const {
  STRATA_CHECK_TYPE(type_ == Type::Global, "pickle: expected a Global, got {}", type_name());
  auto nl = text_.find('\n');
  return text_.substr(0, nl) + "." + text_.substr(nl + 1);
}

const PickleValue* PickleValue::find(const std::string& key) const {
  if (type_ != Type::Dict) return nullptr;
  for (const auto& [k, v] : *pairs_)
    if (k.is(Type::String) && k.as_string() == key) return &v;
  return nullptr;
}

// ---- storage names -----------------------------------------------------------------------------

namespace {
const std::vector<std::pair<std::string, at::ScalarType>>& storage_names() {
  static const std::vector<std::pair<std::string, at::ScalarType>> names{
      {"FloatStorage", at::kFloat},   {"DoubleStorage", at::kDouble}, {"HalfStorage", at::kHalf},
      {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong}, {"IntStorage", at::kInt},
      {"ShortStorage", at::kShort},   {"CharStorage", at::kChar},     {"ByteStorage", at::kByte},
      {"BoolStorage", at::kBool}};
  return names;
}
}  // namespace

at::ScalarType storage_scalar_type(const std::string& storage_class) {
  for (const auto& [name, type] : storage_names())
    if (name == storage_class) return type;
  STRATA_FAIL(TypeError, "pickle: unsupported storage type '{}'", storage_class);
}

std::string storage_class_name(at::ScalarType type) {
  for (const auto& [name, t] : storage_names())
    if (t == type) return name;
  STRATA_FAIL(TypeError, "pickle: tensors of type {} cannot be saved", c10::toString(type));
}

// ---- the unpickler ------------------------------------------------------------------------------

namespace {

class Unpickler {
 public:
  Unpickler(const std::uint8_t* data, std::size_t size, std::size_t& offset, const PersistentLoad& load,
            const std::string& what)
      : data_(data), size_(size), pos_(offset), offset_(offset), load_(load), what_(what) {}

  PickleValue run() {
    while (true) {
      const std::size_t at = pos_;
      const std::uint8_t op = byte();
      if (op == '.') break;  // STOP
      dispatch(op, at);
    }
    check(stack_.size() == 1, "the pickle ended with {} values on its stack, expected 1", stack_.size());
    offset_ = pos_;
    return std::move(stack_.back());
  }

 private:
  template <typename... Args>
  void check(bool ok, fmt::format_string<Args...> format, Args&&... args) const {
    if (!ok)
      throw IOError(fmt::format("'{}' is not a valid weight file: {}", what_,
                                fmt::format(format, std::forward<Args>(args)...)));
  }

  const std::uint8_t* take(std::size_t n) {
    check(n <= size_ && pos_ <= size_ - n, "the pickle ends early (needs {} bytes at offset {}, file has {})", n, pos_,
          size_);
    const std::uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  std::uint8_t byte() { return *take(1); }
  std::uint64_t le(int n) {
    const std::uint8_t* p = take(static_cast<std::size_t>(n));
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
  std::string text(std::size_t n) {
    const auto* p = take(n);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  std::string line() {
    const std::size_t start = pos_;
    while (true) {
      check(pos_ < size_, "an unterminated text line at offset {}", start);
      if (data_[pos_++] == '\n') break;
    }
    return std::string(reinterpret_cast<const char*>(data_ + start), pos_ - start - 1);
  }

  PickleValue pop() {
    check(!stack_.empty() && (marks_.empty() || stack_.size() > marks_.back()), "a value is missing on the stack");
    PickleValue v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  PickleValue& top() {
    check(!stack_.empty(), "a value is missing on the stack");
    return stack_.back();
  }
  std::vector<PickleValue> pop_to_mark() {
    check(!marks_.empty(), "a MARK is missing");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    check(mark <= stack_.size(), "a MARK points past the stack");
    std::vector<PickleValue> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(mark)),
                                   std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }
  void memo_put(std::uint64_t key) { memo_[key] = top(); }
  PickleValue memo_get(std::uint64_t key) {
    auto it = memo_.find(key);
    check(it != memo_.end(), "memo entry {} is used before it is set", key);
    return it->second;
  }

  // ---- containers: no cycles, bounded nesting ----
  // A hostile pickle can make a container hold itself (a reference cycle: leaked) or nest values
  // millions of levels deep (destroying them recursively overflows the stack). Python's pickler
  // fills every list and dict before putting it inside another value, so a container that is
  // already inside one is never changed: refusing that rules out cycles, and makes each
  // container's depth final when it is nested, so depth is tracked exactly in O(1) per value.
  static constexpr int kMaxDepth = 100;
  struct ContainerInfo {
    int depth = 1;
    bool nested = false;
  };

  static const void* identity(const PickleValue& v) {
    using T = PickleValue::Type;
    if (v.is(T::List) || v.is(T::Tuple)) return &v.as_items();
    if (v.is(T::Dict)) return &v.as_pairs();
    return nullptr;
  }
  ContainerInfo& info_of(const PickleValue& container) {
    auto it = containers_.find(identity(container));
    check(it != containers_.end(), "a {} of unknown origin", container.type_name());
    return it->second;
  }
  // Marks `child` as placed inside a container; its depth (0 for a scalar).
  int nest(const PickleValue& child) {
    if (!identity(child)) return 0;
    ContainerInfo& info = info_of(child);
    info.nested = true;
    return info.depth;
  }
  void deepen(ContainerInfo& info, const PickleValue& child) {
    info.depth = std::max(info.depth, 1 + nest(child));
    check(info.depth <= kMaxDepth, "values nest deeper than {} levels", kMaxDepth);
  }
  // Registers a container the pickle builds, with its initial children.
  PickleValue built(PickleValue container) {
    ContainerInfo info;
    if (container.is(PickleValue::Type::Dict)) {
      for (const auto& [k, v] : container.as_pairs()) {
        deepen(info, k);
        deepen(info, v);
      }
    } else {
      for (const auto& v : container.as_items()) deepen(info, v);
    }
    containers_.emplace(identity(container), info);
    built_.push_back(container);  // keeps the address (the identity) from being reused
    return container;
  }
  // The container `target` is about to receive `child`.
  void check_insert(const PickleValue& target, const PickleValue& child) {
    ContainerInfo& info = info_of(target);
    check(!info.nested, "a {} is changed after it was put inside another value (cyclic structures are not "
          "part of weight files)", target.type_name());
    check(identity(child) != identity(target), "a {} is put inside itself", target.type_name());
    deepen(info, child);
  }

  void set_items(PickleValue& dict, std::vector<PickleValue>& kv) {
    check(dict.is(PickleValue::Type::Dict), "SETITEMS on a {}, expected a Dict", dict.type_name());
    check(kv.size() % 2 == 0, "SETITEMS with an odd number of values");
    auto& pairs = dict.as_pairs();
    for (std::size_t i = 0; i < kv.size(); i += 2) {
      check_insert(dict, kv[i]);
      check_insert(dict, kv[i + 1]);
      bool replaced = false;
      if (kv[i].is(PickleValue::Type::String)) {
        for (auto& [k, v] : pairs) {
          if (k.is(PickleValue::Type::String) && k.as_string() == kv[i].as_string()) {
            v = std::move(kv[i + 1]);
            replaced = true;
            break;
          }
        }
      }
      if (!replaced) pairs.emplace_back(std::move(kv[i]), std::move(kv[i + 1]));
    }
  }

  static bool allowed_global(const std::string& module, const std::string& name) {
    if (module == "collections" && name == "OrderedDict") return true;
    if (module == "torch._utils" &&
        (name == "_rebuild_tensor_v2" || name == "_rebuild_tensor" || name == "_rebuild_parameter"))
      return true;
    if (module == "torch" && name == "Size") return true;
    if (module == "torch") {
      for (const auto& entry : storage_names())
        if (entry.first == name) return true;
    }
    return false;
  }

  at::Tensor rebuild_tensor(const std::vector<PickleValue>& args) {
    check(args.size() >= 4, "_rebuild_tensor needs at least 4 arguments, got {}", args.size());
    check(args[0].is(PickleValue::Type::Storage), "_rebuild_tensor: argument 0 is a {}, expected a storage",
          args[0].type_name());
    const at::Tensor& flat = args[0].as_tensor();
    const std::int64_t offset = args[1].as_int();
    std::vector<std::int64_t> sizes, strides;
    for (const auto& s : args[2].as_items()) sizes.push_back(s.as_int());
    for (const auto& s : args[3].as_items()) strides.push_back(s.as_int());
    check(sizes.size() == strides.size(), "a tensor has {} sizes but {} strides", sizes.size(), strides.size());
    // Bounds: the last element addressed must lie inside the storage.
    std::int64_t last = offset;
    bool empty = false;
    for (std::size_t d = 0; d < sizes.size(); ++d) {
      check(sizes[d] >= 0 && strides[d] >= 0, "a tensor has a negative size or stride");
      if (sizes[d] == 0) empty = true;
      else last += (sizes[d] - 1) * strides[d];
    }
    check(offset >= 0 && (empty || last < flat.numel()),
          "a tensor of shape {} at offset {} reaches element {} of a storage of {} elements", shape_str(sizes), offset,
          last, flat.numel());
    return flat.as_strided(sizes, strides, offset);
  }

  PickleValue call(const PickleValue& callable, PickleValue args) {
    check(callable.is(PickleValue::Type::Global), "REDUCE on a {}, expected a global", callable.type_name());
    const std::string name = callable.global_name();
    check(args.is(PickleValue::Type::Tuple), "the arguments of '{}' are a {}, expected a tuple", name,
          args.type_name());
    const auto& a = args.as_items();
    if (name == "collections.OrderedDict") {
      PickleValue dict = built(PickleValue::dict({}));
      if (!a.empty() && a[0].is(PickleValue::Type::List)) {
        for (const auto& pair : a[0].as_items()) {
          const auto& kv = pair.as_items();
          check(kv.size() == 2, "OrderedDict items must be pairs");
          check_insert(dict, kv[0]);
          check_insert(dict, kv[1]);
          dict.as_pairs().emplace_back(kv[0], kv[1]);
        }
      }
      return dict;
    }
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
      return PickleValue::tensor(rebuild_tensor(a));
    if (name == "torch._utils._rebuild_parameter") {
      check(!a.empty() && a[0].is(PickleValue::Type::Tensor), "_rebuild_parameter needs a tensor");
      return a[0];
    }
    if (name == "torch.Size") return a.empty() ? built(PickleValue::tuple({})) : a[0];
    STRATA_FAIL(IOError, "'{}' is not a valid weight file: '{}' cannot be called", what_, name);
  }

  void dispatch(std::uint8_t op, std::size_t at) {
    using T = PickleValue::Type;
    switch (op) {
      case 0x80: byte(); break;                // PROTO
      case 0x95: le(8); break;                 // FRAME (the data is read as it comes)
      case '(': marks_.push_back(stack_.size()); break;  // MARK
      case '}': stack_.push_back(built(PickleValue::dict({}))); break;
      case ']': stack_.push_back(built(PickleValue::list({}))); break;
      case ')': stack_.push_back(built(PickleValue::tuple({}))); break;
      case 'N': stack_.push_back(PickleValue::none()); break;
      case 0x88: stack_.push_back(PickleValue::boolean(true)); break;
      case 0x89: stack_.push_back(PickleValue::boolean(false)); break;
      case 'J': stack_.push_back(PickleValue::integer(static_cast<std::int32_t>(le(4)))); break;
      case 'K': stack_.push_back(PickleValue::integer(byte())); break;
      case 'M': stack_.push_back(PickleValue::integer(static_cast<std::int64_t>(le(2)))); break;
      case 0x8a: {  // LONG1: little-endian two's complement of n bytes
        const std::size_t n = byte();
        check(n <= 8, "an integer of {} bytes does not fit 64 bits", n);
        std::uint64_t v = n ? le(static_cast<int>(n)) : 0;
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t{0} << (8 * n);
        stack_.push_back(PickleValue::integer(static_cast<std::int64_t>(v)));
        break;
      }
      case 'G': {  // BINFLOAT: big-endian double
        const std::uint8_t* p = take(8);
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
        double d;
        std::memcpy(&d, &bits, sizeof d);
        stack_.push_back(PickleValue::floating(d));
        break;
      }
      case 'X': stack_.push_back(PickleValue::string(text(le(4)))); break;        // BINUNICODE
      case 0x8c: stack_.push_back(PickleValue::string(text(byte()))); break;      // SHORT_BINUNICODE
      case 0x8d: stack_.push_back(PickleValue::string(text(le(8)))); break;       // BINUNICODE8
      case 'T': stack_.push_back(PickleValue::string(text(le(4)))); break;        // BINSTRING (Python 2)
      case 'U': stack_.push_back(PickleValue::string(text(byte()))); break;       // SHORT_BINSTRING
      case 'B': stack_.push_back(PickleValue::bytes(text(le(4)))); break;         // BINBYTES
      case 'C': stack_.push_back(PickleValue::bytes(text(byte()))); break;        // SHORT_BINBYTES
      case 'q': memo_put(byte()); break;       // BINPUT
      case 'r': memo_put(le(4)); break;        // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); break;  // MEMOIZE
      case 'h': stack_.push_back(memo_get(byte())); break;  // BINGET
      case 'j': stack_.push_back(memo_get(le(4))); break;   // LONG_BINGET
      case '0': pop(); break;                  // POP
      case '1': pop_to_mark(); break;          // POP_MARK
      case '2': stack_.push_back(top()); break;  // DUP
      case 't': stack_.push_back(built(PickleValue::tuple(pop_to_mark()))); break;
      case 0x85: { auto a = pop(); stack_.push_back(built(PickleValue::tuple({a}))); break; }
      case 0x86: { auto b = pop(); auto a = pop(); stack_.push_back(built(PickleValue::tuple({a, b}))); break; }
      case 0x87: {
        auto c = pop(); auto b = pop(); auto a = pop();
        stack_.push_back(built(PickleValue::tuple({a, b, c})));
        break;
      }
      case 'l': stack_.push_back(built(PickleValue::list(pop_to_mark()))); break;  // LIST
      case 'a': {  // APPEND
        auto v = pop();
        check(top().is(T::List), "APPEND on a {}", top().type_name());
        check_insert(top(), v);
        top().as_items().push_back(std::move(v));
        break;
      }
      case 'e': {  // APPENDS
        auto vs = pop_to_mark();
        check(top().is(T::List), "APPENDS on a {}", top().type_name());
        for (auto& v : vs) {
          check_insert(top(), v);
          top().as_items().push_back(std::move(v));
        }
        break;
      }
      case 'd': {  // DICT
        auto kv = pop_to_mark();
        PickleValue dict = built(PickleValue::dict({}));
        set_items(dict, kv);
        stack_.push_back(std::move(dict));
        break;
      }
      case 's': {  // SETITEM
        auto v = pop();
        auto k = pop();
        std::vector<PickleValue> kv{std::move(k), std::move(v)};
        set_items(top(), kv);
        break;
      }
      case 'u': {  // SETITEMS
        auto kv = pop_to_mark();
        set_items(top(), kv);
        break;
      }
      case 'c': {  // GLOBAL
        const std::string module = line();
        const std::string name = line();
        check(allowed_global(module, name), "the global '{}.{}' is not allowed in a weight file (only state dicts "
              "of tensors are read; nothing is executed)", module, name);
        stack_.push_back(PickleValue::global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        auto name = pop();
        auto module = pop();
        check(allowed_global(module.as_string(), name.as_string()),
              "the global '{}.{}' is not allowed in a weight file (only state dicts of tensors are read; nothing "
              "is executed)", module.as_string(), name.as_string());
        stack_.push_back(PickleValue::global(module.as_string(), name.as_string()));
        break;
      }
      case 'R': {  // REDUCE
        auto args = pop();
        auto callable = pop();
        stack_.push_back(call(callable, std::move(args)));
        break;
      }
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
        auto args = pop();
        auto cls = pop();
        stack_.push_back(call(cls, std::move(args)));
        break;
      }
      case 'b': {  // BUILD: state of an OrderedDict (_metadata) or a tensor; not needed for weights
        pop();
        top();
        break;
      }
      case 'Q': {  // BINPERSID
        auto pid = pop();
        check(static_cast<bool>(load_), "a storage reference where none is expected");
        stack_.push_back(load_(pid));
        break;
      }
      default:
        STRATA_FAIL(IOError, "'{}' is not a valid weight file: pickle opcode 0x{:02x} at offset {} is not supported",
                    what_, op, at);
    }
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_;
  std::size_t& offset_;
  const PersistentLoad& load_;
  const std::string& what_;
  std::vector<PickleValue> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, PickleValue> memo_;
  std::unordered_map<const void*, ContainerInfo> containers_;
  std::vector<PickleValue> built_;
};

}  // namespace

PickleValue unpickle(const std::uint8_t* data, std::size_t size, std::size_t& offset, const PersistentLoad& load,
                     const std::string& what) {
  return Unpickler(data, size, offset, load, what).run();
}

}  // namespace strata
