#include "strata/core/weights.h"

#include <cstring>
#include <fstream>

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>
#include <nlohmann/json.hpp>

#include "strata/core/error.h"
#include "strata/core/file_io.h"

namespace strata {
namespace fs = std::filesystem;

namespace {

// The first pickle of a legacy file: the magic number 0x1950a86a20f9469cfc6c as a LONG1.
const std::uint8_t kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                     0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'};

std::vector<std::uint8_t> read_prefix(const fs::path& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> buf(n);
  in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(n));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  return buf;
}

std::uint64_t read_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// A storage tensor from a persistent id ('storage', StorageType, key, location, numel[, view]).
struct StorageRef {
  at::ScalarType dtype;
  std::string key;
  std::int64_t numel;
};

StorageRef parse_pid(const PickleValue& pid, const std::string& what) {
  try {
    const auto& t = pid.as_items();
    STRATA_CHECK(t.size() >= 5 && t[0].as_string() == "storage", "a storage reference has {} fields", t.size());
    const std::string name = t[1].global_name();
    const auto dot = name.rfind('.');
    STRATA_CHECK(t.size() < 6 || t[5].is(PickleValue::Type::None), "storage views are not supported");
    const std::int64_t numel = t[4].as_int();
    STRATA_CHECK(numel >= 0, "a storage has {} elements", numel);
    return {storage_scalar_type(name.substr(dot + 1)), t[2].as_string(), numel};
  } catch (const IOError&) {
    throw;
  } catch (const Error& e) {
    STRATA_FAIL(IOError, "'{}' is not a valid weight file: {}", what, e.what());
  }
}

at::Tensor flat_over(at::DataPtr data, std::size_t nbytes, at::ScalarType dtype) {
  const auto item = static_cast<std::size_t>(c10::elementSize(dtype));
  c10::Storage storage(c10::Storage::use_byte_size_t(), nbytes, std::move(data), nullptr, false);
  return at::empty({0}, at::TensorOptions().dtype(dtype))
      .set_(storage, 0, {static_cast<std::int64_t>(nbytes / item)}, {1});
}

PickleValue read_zip(const fs::path& path) {
  const std::string what = path.string();
  try {
    caffe2::serialize::PyTorchStreamReader reader(path.string());
    auto [pkl, pkl_size] = reader.getRecord("data.pkl");
    std::map<std::string, at::Tensor> storages;
    PersistentLoad load = [&](const PickleValue& pid) {
      const StorageRef ref = parse_pid(pid, what);
      auto it = storages.find(ref.key);
      if (it == storages.end()) {
        const std::string record = "data/" + ref.key;
        STRATA_CHECK_IO(reader.hasRecord(record), "'{}' is not a valid weight file: storage '{}' is missing", what,
                        record);
        auto [data, nbytes] = reader.getRecord(record);
        const auto need = static_cast<std::size_t>(ref.numel) * c10::elementSize(ref.dtype);
        STRATA_CHECK_IO(nbytes >= need, "'{}' is not a valid weight file: storage '{}' has {} bytes, needs {}", what,
                        record, nbytes, need);
        it = storages.emplace(ref.key, flat_over(std::move(data), need, ref.dtype)).first;
      }
      return PickleValue::storage(it->second);
    };
    std::size_t offset = 0;
    return unpickle(static_cast<const std::uint8_t*>(pkl.get()), pkl_size, offset, load, what);
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    STRATA_FAIL(IOError, "'{}' is not a valid PyTorch zip archive: {}", what, e.what_without_backtrace());
  }
}

PickleValue read_legacy(const fs::path& path) {
  const std::string what = path.string();
  const auto bytes = read_file_bytes(path);
  std::size_t offset = sizeof(kLegacyMagic);
  const PersistentLoad none;
  const auto protocol = unpickle(bytes.data(), bytes.size(), offset, none, what);
  STRATA_CHECK_IO(protocol.is(PickleValue::Type::Int) && protocol.as_int() == 1001,
                  "'{}': unsupported legacy protocol version", what);
  const auto sys_info = unpickle(bytes.data(), bytes.size(), offset, none, what);
  if (const auto* little = sys_info.find("little_endian"))
    STRATA_CHECK_IO(little->as_bool(), "'{}' was saved on a big-endian machine", what);

  // Storages are created empty here and filled from the data that follows the pickles.
  std::map<std::string, at::Tensor> storages;
  PersistentLoad load = [&](const PickleValue& pid) {
    const StorageRef ref = parse_pid(pid, what);
    auto it = storages.find(ref.key);
    if (it == storages.end())
      it = storages.emplace(ref.key, at::empty({ref.numel}, at::TensorOptions().dtype(ref.dtype))).first;
    return PickleValue::storage(it->second);
  };
  PickleValue root = unpickle(bytes.data(), bytes.size(), offset, load, what);
  const auto keys = unpickle(bytes.data(), bytes.size(), offset, none, what);
  for (const auto& key : keys.as_items()) {
    auto it = storages.find(key.as_string());
    STRATA_CHECK_IO(it != storages.end(), "'{}': storage '{}' is listed but never used", what, key.as_string());
    STRATA_CHECK_IO(offset + 8 <= bytes.size(), "'{}' ends before storage '{}'", what, key.as_string());
    const auto numel = static_cast<std::int64_t>(read_le64(&bytes[offset]));
    offset += 8;
    at::Tensor& flat = it->second;
    STRATA_CHECK_IO(numel == flat.numel(), "'{}': storage '{}' has {} elements, the pickle says {}", what,
                    key.as_string(), numel, flat.numel());
    const std::size_t nbytes = static_cast<std::size_t>(numel) * flat.element_size();
    STRATA_CHECK_IO(nbytes <= bytes.size() - offset, "'{}' ends inside storage '{}' ({} bytes needed, {} left)", what,
                    key.as_string(), nbytes, bytes.size() - offset);
    std::memcpy(flat.data_ptr(), &bytes[offset], nbytes);
    offset += nbytes;
  }
  return root;
}

}  // namespace

StateDict to_state_dict(const PickleValue& root, const std::string& what) {
  STRATA_CHECK_IO(root.is(PickleValue::Type::Dict), "'{}' holds a {}, not a state dict", what, root.type_name());
  for (const char* nested : {"model", "state_dict"}) {
    const PickleValue* inner = root.find(nested);
    if (inner && inner->is(PickleValue::Type::Dict)) return to_state_dict(*inner, what);
  }
  StateDict out;
  for (const auto& [k, v] : root.as_pairs()) {
    STRATA_CHECK_IO(k.is(PickleValue::Type::String), "'{}': a state-dict key is a {}, not a string", what,
                    k.type_name());
    STRATA_CHECK_IO(v.is(PickleValue::Type::Tensor), "'{}': '{}' is a {}, not a tensor", what, k.as_string(),
                    v.type_name());
    out.insert(k.as_string(), v.as_tensor());
  }
  return out;
}

namespace {

// ---- safetensors --------------------------------------------------------------------------------

const std::vector<std::pair<std::string, at::ScalarType>>& safetensors_dtypes() {
  static const std::vector<std::pair<std::string, at::ScalarType>> names{
      {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16},
      {"I64", at::kLong},   {"I32", at::kInt},   {"I16", at::kShort}, {"I8", at::kChar},
      {"U8", at::kByte},    {"BOOL", at::kBool}};
  return names;
}

}  // namespace

WeightFormat detect_weight_format(const fs::path& path) {
  const auto head = read_prefix(path, 16);
  STRATA_CHECK_IO(fs::exists(path), "'{}' does not exist", path.string());
  STRATA_CHECK_IO(!head.empty(), "'{}' is empty, not a weight file", path.string());
  if (head.size() >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return WeightFormat::PthZip;
  if (head.size() >= sizeof(kLegacyMagic) && std::equal(kLegacyMagic, kLegacyMagic + sizeof(kLegacyMagic), head.begin()))
    return WeightFormat::PthLegacy;
  if (head.size() >= 9 && head[8] == '{') return WeightFormat::Safetensors;
  STRATA_FAIL(IOError, "'{}' is not a PyTorch (.pth zip or legacy) or safetensors weight file", path.string());
}

PickleValue read_pth(const fs::path& path) {
  switch (detect_weight_format(path)) {
    case WeightFormat::PthZip: return read_zip(path);
    case WeightFormat::PthLegacy: return read_legacy(path);
    case WeightFormat::Safetensors: return to_pickle(read_safetensors(path));
  }
  return {};
}

StateDict read_state_dict(const fs::path& path) {
  if (detect_weight_format(path) == WeightFormat::Safetensors) return read_safetensors(path);
  return to_state_dict(read_pth(path), path.string());
}

StateDict read_safetensors(const fs::path& path) {
  const std::string what = path.string();
  const auto bytes = read_file_bytes(path);
  STRATA_CHECK_IO(bytes.size() >= 8, "'{}' is not a safetensors file ({} bytes)", what, bytes.size());
  const std::uint64_t header_size = read_le64(bytes.data());
  STRATA_CHECK_IO(header_size <= bytes.size() - 8, "'{}': the header claims {} bytes, the file has {}", what,
                  header_size, bytes.size() - 8);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_size));
  } catch (const nlohmann::json::exception& e) {
    STRATA_FAIL(IOError, "'{}': the safetensors header is not valid JSON: {}", what, e.what());
  }
  STRATA_CHECK_IO(header.is_object(), "'{}': the safetensors header is not a JSON object", what);
  const std::uint8_t* data = bytes.data() + 8 + header_size;
  const std::size_t data_size = bytes.size() - 8 - header_size;

  // The header is an unordered JSON object; keep the file's data order, which is the writer's order.
  std::vector<std::tuple<std::uint64_t, std::string, at::Tensor>> tensors;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    try {
      const std::string dtype_name = info.at("dtype").get<std::string>();
      at::ScalarType dtype = at::kFloat;
      bool known = false;
      for (const auto& [n, t] : safetensors_dtypes())
        if (n == dtype_name) { dtype = t; known = true; }
      STRATA_CHECK_IO(known, "'{}': tensor '{}' has unsupported dtype '{}'", what, name, dtype_name);
      const auto shape = info.at("shape").get<std::vector<std::int64_t>>();
      const auto offsets = info.at("data_offsets").get<std::vector<std::uint64_t>>();
      STRATA_CHECK_IO(offsets.size() == 2 && offsets[0] <= offsets[1] && offsets[1] <= data_size,
                      "'{}': tensor '{}' has data offsets outside the file's {} data bytes", what, name, data_size);
      std::uint64_t numel = 1;
      for (auto s : shape) {
        STRATA_CHECK_IO(s >= 0, "'{}': tensor '{}' has a negative dimension", what, name);
        numel *= static_cast<std::uint64_t>(s);
      }
      STRATA_CHECK_IO(numel * c10::elementSize(dtype) == offsets[1] - offsets[0],
                      "'{}': tensor '{}' of shape {} and dtype {} needs {} bytes, its offsets span {}", what, name,
                      shape_str(shape), dtype_name, numel * c10::elementSize(dtype), offsets[1] - offsets[0]);
      at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
      std::memcpy(t.data_ptr(), data + offsets[0], offsets[1] - offsets[0]);
      tensors.emplace_back(offsets[0], name, std::move(t));
    } catch (const nlohmann::json::exception& e) {
      STRATA_FAIL(IOError, "'{}': tensor '{}' has a malformed header entry: {}", what, name, e.what());
    }
  }
  std::stable_sort(tensors.begin(), tensors.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  StateDict out;
  for (auto& [offset, name, t] : tensors) out.insert(name, std::move(t));
  return out;
}

PickleValue to_pickle(const StateDict& state) {
  PickleValue::Pairs pairs;
  for (const auto& item : state) pairs.emplace_back(PickleValue::string(item.key()), PickleValue::tensor(item.value()));
  return PickleValue::dict(std::move(pairs));
}

void save_pth(const PickleValue& root, const fs::path& path) {
  std::vector<std::pair<std::string, at::Tensor>> storages;
  const std::string pkl = pickle(root, storages);
  std::vector<std::uint8_t> bytes;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* buf, std::size_t n) {
      const auto* p = static_cast<const std::uint8_t*>(buf);
      bytes.insert(bytes.end(), p, p + n);
      return n;
    });
    writer.writeRecord("data.pkl", pkl.data(), pkl.size());
    writer.writeRecord("byteorder", "little", 6);
    for (const auto& [key, t] : storages)
      writer.writeRecord("data/" + key, t.data_ptr(), static_cast<std::size_t>(t.numel()) * t.element_size());
    writer.writeEndOfFile();
  }
  write_file_atomic(path, bytes);
}

void save_pth(const StateDict& state, const fs::path& path) { save_pth(to_pickle(state), path); }

void save_safetensors(const StateDict& state, const fs::path& path) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  std::uint64_t offset = 0;
  std::vector<at::Tensor> contiguous;
  for (const auto& item : state) {
    at::Tensor t = item.value().detach().to(at::kCPU).contiguous();
    std::string dtype;
    for (const auto& [n, type] : safetensors_dtypes())
      if (type == t.scalar_type()) dtype = n;
    STRATA_CHECK(!dtype.empty(), "save_safetensors: '{}' has unsupported type {}", item.key(),
                 c10::toString(t.scalar_type()));
    const std::uint64_t nbytes = static_cast<std::uint64_t>(t.numel()) * t.element_size();
    header[item.key()] = {{"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    contiguous.push_back(std::move(t));
  }
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) text += ' ';  // keep the data 8-byte aligned
  std::vector<std::uint8_t> bytes(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>((text.size() >> (8 * i)) & 0xFF);
  std::memcpy(bytes.data() + 8, text.data(), text.size());
  std::size_t at = 8 + text.size();
  for (const auto& t : contiguous) {
    const std::size_t n = static_cast<std::size_t>(t.numel()) * t.element_size();
    if (n) std::memcpy(bytes.data() + at, t.data_ptr(), n);
    at += n;
  }
  write_file_atomic(path, bytes);
}

}  // namespace strata
