// PyTorch weight files without Python: zip and legacy .pth, safetensors, and the refusal of
// anything that is not plain state-dict content.
#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/core/file_io.h"
#include "strata/core/pickle.h"
#include "strata/core/weights.h"

using strata_test::Contains;
namespace fs = std::filesystem;

namespace {

strata::StateDict sample_state() {
  strata::StateDict sd;
  sd.insert("layer.weight", torch::arange(12, torch::kFloat).view({3, 4}));
  sd.insert("layer.bias", torch::tensor({1.5, -2.5}, torch::kDouble));
  sd.insert("bn.num_batches_tracked", torch::tensor(7, torch::kLong));
  sd.insert("half", torch::tensor({0.5, 1.0}, torch::kHalf));
  sd.insert("mask", torch::tensor({true, false}));
  sd.insert("transposed", torch::arange(6, torch::kFloat).view({2, 3}).t());
  return sd;
}

void check_same(const strata::StateDict& a, const strata::StateDict& b) {
  REQUIRE(a.keys() == b.keys());
  for (const auto& item : a) {
    INFO(item.key());
    CHECK(item.value().scalar_type() == b[item.key()].scalar_type());
    CHECK(torch::equal(item.value(), b[item.key()]));
  }
}

}  // namespace

TEST_CASE("save_pth: strata's zip files load in Python's torch.load and back in strata", "[core][parity]") {
  strata_test::TempDir dir;
  const auto file = dir / "state.pth";
  strata::save_pth(sample_state(), file);
  CHECK(strata::detect_weight_format(file) == strata::WeightFormat::PthZip);
  check_same(strata::read_state_dict(file), sample_state());
  const auto out = strata_test::run_python(
      "import torch\n"
      "sd = torch.load('" + file.string() + "')\n"
      "print(type(sd).__name__, list(sd.keys()))\n"
      "print(sd['layer.weight'].sum().item(), sd['layer.bias'].dtype, sd['bn.num_batches_tracked'].item())\n"
      "print(sd['transposed'].tolist(), sd['half'].dtype, sd['mask'].tolist())\n");
  CHECK_THAT(out, Contains("OrderedDict ['layer.weight', 'layer.bias', 'bn.num_batches_tracked', 'half', 'mask', "
                           "'transposed']"));
  CHECK_THAT(out, Contains("66.0 torch.float64 7"));
  CHECK_THAT(out, Contains("[[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]] torch.float16 [True, False]"));
}

TEST_CASE("read_pth: Python-written zip and legacy files, nested checkpoints and shared storages", "[core][parity]") {
  strata_test::TempDir dir;
  strata_test::run_python(
      "import torch, collections\n"
      "d = '" + dir.path().string() + "'\n"
      "base = torch.arange(10, dtype=torch.float32)\n"
      "sd = collections.OrderedDict([('a', base[2:6]), ('b', base.view(2, 5)), ('big', torch.tensor([2**40]))])\n"
      "torch.save(sd, d + '/zip.pth')\n"
      "torch.save(sd, d + '/legacy.pth', _use_new_zipfile_serialization=False)\n"
      "torch.save({'model': sd, 'opt': {'lr': 0.001, 'names': ['x', 'y'], 'flag': None}}, d + '/fastai.pth')\n");
  for (const char* name : {"zip.pth", "legacy.pth", "fastai.pth"}) {
    INFO(name);
    const auto sd = strata::read_state_dict(dir / name);
    REQUIRE(sd.keys() == std::vector<std::string>{"a", "b", "big"});
    CHECK(torch::equal(sd["a"], torch::tensor({2.f, 3.f, 4.f, 5.f})));
    CHECK(sd["b"].sizes() == torch::IntArrayRef({2, 5}));
    CHECK(sd["big"].item<int64_t>() == (int64_t{1} << 40));
  }
  CHECK(strata::detect_weight_format(dir / "legacy.pth") == strata::WeightFormat::PthLegacy);
  const auto root = strata::read_pth(dir / "fastai.pth");
  const auto* opt = root.find("opt");
  REQUIRE(opt != nullptr);
  CHECK(opt->find("lr")->as_float() == 0.001);
  CHECK(opt->find("names")->as_items().at(1).as_string() == "y");
  CHECK(opt->find("flag")->is(strata::PickleValue::Type::None));
}

TEST_CASE("read_pth: a pickle that would run code is refused and nothing runs", "[core]") {
  strata_test::TempDir dir;
  const auto marker = dir / "pwned";
  strata_test::run_python(
      "import torch, os\n"
      "class Evil:\n"
      "    def __reduce__(self): return (os.system, ('touch " + marker.string() + "',))\n"
      "torch.save({'w': torch.zeros(1), 'x': Evil()}, '" + (dir / "evil.pth").string() + "')\n");
  REQUIRE_FALSE(fs::exists(marker));
  CHECK_THROWS_AS(strata::read_state_dict(dir / "evil.pth"), strata::IOError);
  CHECK_THROWS_WITH(strata::read_state_dict(dir / "evil.pth"), Contains("the global 'posix.system' is not allowed"));
  CHECK_FALSE(fs::exists(marker));
}

namespace {
strata::PickleValue unpickle_bytes(const std::string& bytes) {
  std::size_t offset = 0;
  return strata::unpickle(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), offset, nullptr,
                          "crafted.pkl");
}
std::string nested_tuples(int levels) {  // None inside `levels` one-element tuples
  return "\x80\x02N" + std::string(static_cast<std::size_t>(levels), '\x85') + ".";
}
}  // namespace

// Found by fuzz_pickle: a dict put inside itself was a shared_ptr cycle (leaked), and 300,000 nested
// tuples overflowed the stack when destroyed.
TEST_CASE("unpickle: cyclic and too deeply nested values are refused", "[core]") {
  using namespace std::string_literals;
  SECTION("a dict inside itself") {
    CHECK_THROWS_WITH(unpickle_bytes("\x80\x02}q\x00(h\x00h\x00u."s),
                      Contains("'crafted.pkl' is not a valid weight file: a Dict is put inside itself"));
  }
  SECTION("a list changed after it was nested (a two-list cycle)") {
    CHECK_THROWS_WITH(unpickle_bytes("\x80\x02]q\x00]q\x01h\x00" "ah\x00h\x01" "a."s),
                      Contains("a List is changed after it was put inside another value"));
  }
  SECTION("depth") {
    const auto deepest = unpickle_bytes(nested_tuples(100));
    CHECK(deepest.as_items().size() == 1);
    CHECK_THROWS_WITH(unpickle_bytes(nested_tuples(101)), Contains("values nest deeper than 100 levels"));
    CHECK_THROWS_WITH(unpickle_bytes(nested_tuples(300000)), Contains("values nest deeper than 100 levels"));
  }
  SECTION("shared values stay allowed") {  // {'a': [1], 'b': <the same list>}
    const auto dict = unpickle_bytes("\x80\x02}(X\x01\x00\x00\x00" "a]q\x00K\x01" "aX\x01\x00\x00\x00" "bh\x00u."s);
    REQUIRE(dict.find("b") != nullptr);
    CHECK(&dict.find("a")->as_items() == &dict.find("b")->as_items());
  }
}

TEST_CASE("read_state_dict: broken and foreign files are IOErrors naming the file", "[core]") {
  strata_test::TempDir dir;
  SECTION("not a weight file") {
    strata_test::write_text(dir / "notes.pth", "hello, not weights");
    CHECK_THROWS_WITH(strata::read_state_dict(dir / "notes.pth"),
                      Contains("notes.pth' is not a PyTorch (.pth zip or legacy) or safetensors weight file"));
  }
  SECTION("empty") {
    strata_test::write_text(dir / "empty.pth", "");
    CHECK_THROWS_WITH(strata::read_state_dict(dir / "empty.pth"), Contains("empty.pth' is empty"));
  }
  SECTION("missing") {
    CHECK_THROWS_WITH(strata::read_state_dict(dir / "none.pth"), Contains("none.pth' does not exist"));
  }
  SECTION("truncated zip") {
    strata::save_pth(sample_state(), dir / "full.pth");
    auto bytes = strata::read_file_bytes(dir / "full.pth");
    bytes.resize(bytes.size() / 2);
    strata::write_file_atomic(dir / "cut.pth", bytes);
    CHECK_THROWS_WITH(strata::read_state_dict(dir / "cut.pth"), Contains("cut.pth' is not a valid PyTorch zip archive"));
  }
  SECTION("truncated legacy") {
    strata_test::run_python("import torch\ntorch.save({'w': torch.ones(1000)}, '" + (dir / "l.pth").string() +
                            "', _use_new_zipfile_serialization=False)\n");
    auto bytes = strata::read_file_bytes(dir / "l.pth");
    bytes.resize(bytes.size() - 100);
    strata::write_file_atomic(dir / "l.pth", bytes);
    CHECK_THROWS_WITH(strata::read_state_dict(dir / "l.pth"), Contains("l.pth' ends inside storage"));
  }
}

TEST_CASE("safetensors: reads a file written by an independent writer, and round-trips", "[core][parity]") {
  strata_test::TempDir dir;
  // The format by hand (no safetensors package in Debian): 8-byte size, JSON, raw little-endian data.
  strata_test::run_python(
      "import json, struct, torch\n"
      "a = torch.arange(6, dtype=torch.float32).view(2, 3); b = torch.tensor([1, -2], dtype=torch.int64)\n"
      "c = torch.tensor([0.5, 2.0], dtype=torch.bfloat16)\n"
      "blobs = [a.numpy().tobytes(), b.numpy().tobytes(), c.view(torch.int16).numpy().tobytes()]\n"
      "h = {'__metadata__': {'format': 'pt'},\n"
      "     'z.a': {'dtype': 'F32', 'shape': [2, 3], 'data_offsets': [0, 24]},\n"
      "     'b': {'dtype': 'I64', 'shape': [2], 'data_offsets': [24, 40]},\n"
      "     'c': {'dtype': 'BF16', 'shape': [2], 'data_offsets': [40, 44]}}\n"
      "s = json.dumps(h).encode()\n"
      "open('" + (dir / "m.safetensors").string() + "', 'wb').write(struct.pack('<Q', len(s)) + s + b''.join(blobs))\n");
  const auto sd = strata::read_state_dict(dir / "m.safetensors");
  REQUIRE(sd.keys() == std::vector<std::string>{"z.a", "b", "c"});
  CHECK(torch::equal(sd["z.a"], torch::arange(6, torch::kFloat).view({2, 3})));
  CHECK(sd["b"][1].item<int64_t>() == -2);
  CHECK(sd["c"].scalar_type() == torch::kBFloat16);
  CHECK(sd["c"][1].item<float>() == 2.0f);

  strata::save_safetensors(sample_state(), dir / "round.safetensors");
  check_same(strata::read_safetensors(dir / "round.safetensors"), sample_state());
}

TEST_CASE("safetensors: header and offsets are validated", "[core]") {
  strata_test::TempDir dir;
  auto write = [&](const std::string& header, std::size_t data_bytes, uint64_t claimed = 0) {
    std::vector<uint8_t> bytes(8);
    const uint64_t n = claimed ? claimed : header.size();
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(n >> (8 * i));
    bytes.insert(bytes.end(), header.begin(), header.end());
    bytes.resize(bytes.size() + data_bytes);
    strata::write_file_atomic(dir / "x.safetensors", bytes);
    return dir / "x.safetensors";
  };
  CHECK_THROWS_WITH(strata::read_safetensors(write("{}", 0, 1000)), Contains("the header claims 1000 bytes"));
  CHECK_THROWS_WITH(strata::read_safetensors(write("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8)),
                    Contains("tensor 'w' has data offsets outside the file's 8 data bytes"));
  CHECK_THROWS_WITH(strata::read_safetensors(write("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 16]}}", 16)),
                    Contains("tensor 'w' of shape [3] and dtype F32 needs 12 bytes, its offsets span 16"));
  CHECK_THROWS_WITH(strata::read_safetensors(write("{\"w\": {\"dtype\": \"C64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8)),
                    Contains("unsupported dtype 'C64'"));
  CHECK_THROWS_WITH(strata::read_safetensors(write("{\"w\": nope}", 0)), Contains("not valid JSON"));
}
