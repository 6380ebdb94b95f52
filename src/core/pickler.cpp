// The writer side of strata/core/pickle.h: protocol-2 pickles of PickleValues, tensors as the
// persistent ids torch.save writes.
#include <climits>
#include <cstring>

#include <ATen/ATen.h>

#include "strata/core/error.h"
#include "strata/core/pickle.h"

namespace strata {
namespace {

class Pickler {
 public:
  explicit Pickler(std::vector<std::pair<std::string, at::Tensor>>& storages) : storages_(storages) {}

  std::string finish(const PickleValue& root) {
    out_ += "\x80\x02";
    put(root);
    out_ += '.';
    return std::move(out_);
  }

 private:
  void global(const char* module, const std::string& name) {
    out_ += 'c';
    out_ += module;
    out_ += '\n';
    out_ += name;
    out_ += '\n';
  }
  void integer(std::int64_t v) {
    if (v >= INT32_MIN && v <= INT32_MAX) {
      out_ += 'J';
      raw_le(static_cast<std::uint32_t>(static_cast<std::int32_t>(v)), 4);
    } else {
      out_ += "\x8a\x08";
      raw_le(static_cast<std::uint64_t>(v), 8);
    }
  }
  void string(const std::string& s) {
    out_ += 'X';
    raw_le(s.size(), 4);
    out_ += s;
  }
  void raw_le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_ += static_cast<char>((v >> (8 * i)) & 0xFF);
  }
  void tensor(const at::Tensor& t) {
    const at::Tensor c = t.detach().to(at::kCPU).contiguous();
    const std::string key = std::to_string(storages_.size());
    storages_.emplace_back(key, c);
    global("torch._utils", "_rebuild_tensor_v2");
    out_ += '(';
    out_ += '(';
    string("storage");
    global("torch", storage_class_name(c.scalar_type()));
    string(key);
    string("cpu");
    integer(c.numel());
    out_ += "tQ";  // TUPLE, BINPERSID
    integer(0);
    out_ += '(';
    for (auto s : c.sizes()) integer(s);
    out_ += 't';
    out_ += '(';
    for (auto s : c.strides()) integer(s);
    out_ += 't';
    out_ += '\x89';  // requires_grad False
    global("collections", "OrderedDict");
    out_ += ")R";  // backward hooks: OrderedDict()
    out_ += "tR";
  }
  void put(const PickleValue& v) {
    using T = PickleValue::Type;
    switch (v.type()) {
      case T::None: out_ += 'N'; break;
      case T::Bool: out_ += v.as_bool() ? '\x88' : '\x89'; break;
      case T::Int: integer(v.as_int()); break;
      case T::Float: {
        double d = v.as_float();
        std::uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        out_ += 'G';
        for (int i = 7; i >= 0; --i) out_ += static_cast<char>((bits >> (8 * i)) & 0xFF);
        break;
      }
      case T::String: string(v.as_string()); break;
      case T::Bytes: {
        out_ += 'B';
        raw_le(v.as_string().size(), 4);
        out_ += v.as_string();
        break;
      }
      case T::Tensor: tensor(v.as_tensor()); break;
      case T::List:
        out_ += "](";
        for (const auto& x : v.as_items()) put(x);
        out_ += 'e';
        break;
      case T::Tuple:
        out_ += '(';
        for (const auto& x : v.as_items()) put(x);
        out_ += 't';
        break;
      case T::Dict:
        global("collections", "OrderedDict");
        out_ += ")R(";
        for (const auto& [k, x] : v.as_pairs()) {
          put(k);
          put(x);
        }
        out_ += 'u';
        break;
      case T::Global:
      case T::Storage: STRATA_FAIL(ValueError, "save_pth: a {} cannot be saved", v.type_name());
    }
  }

  std::vector<std::pair<std::string, at::Tensor>>& storages_;
  std::string out_;
};

}  // namespace

std::string pickle(const PickleValue& root, std::vector<std::pair<std::string, at::Tensor>>& storages) {
  return Pickler(storages).finish(root);
}

}  // namespace strata
