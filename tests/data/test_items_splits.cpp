#include <filesystem>

#include <ATen/ATen.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/data/category.h"
#include "strata/data/items.h"
#include "strata/data/labellers.h"
#include "strata/data/splitters.h"

using strata_test::Contains;
namespace fs = std::filesystem;

namespace {
void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  strata_test::write_text(p, "x");
}
}  // namespace

TEST_CASE("get_image_files: sorted, recursive, by extension, skipping hidden files", "[data]") {
  strata_test::TempDir dir;
  touch(dir / "b/2.JPG");
  touch(dir / "a/1.png");
  touch(dir / "a/deep/3.jpeg");
  touch(dir / "a/notes.txt");
  touch(dir / ".hidden/4.jpg");
  touch(dir / "a/.5.jpg");
  const auto files = strata::get_image_files(dir.path());
  REQUIRE(files.size() == 3);
  CHECK(files[0] == dir / "a/1.png");
  CHECK(files[1] == dir / "a/deep/3.jpeg");
  CHECK(files[2] == dir / "b/2.JPG");
  CHECK(strata::get_image_files(dir.path(), false).empty());
  CHECK(strata::get_image_files(dir.path(), true, {"b"}).size() == 1);
  CHECK(strata::get_files(dir.path()).size() == 4);
}

TEST_CASE("get_files: a symlink loop is visited once; a missing folder is an IOError", "[data]") {
  strata_test::TempDir dir;
  touch(dir / "a/1.png");
  fs::create_directory_symlink(dir / "a", dir / "a/loop");
  CHECK(strata::get_image_files(dir.path()).size() == 1);
  CHECK_THROWS_WITH(strata::get_image_files(dir / "nope"), Contains("nope' is not a folder"));
}

TEST_CASE("RegexLabeller and parent_label: the Pets labels", "[data]") {
  strata::RegexLabeller label(R"(^(.*)_\d+\.(jpg|png)$)");
  CHECK(label("/data/images/great_pyrenees_173.jpg") == "great_pyrenees");
  CHECK(label("Ankle_boot_12.png") == "Ankle_boot");
  CHECK_THROWS_WITH(label("/data/readme.txt"), Contains("'/data/readme.txt' does not match"));
  CHECK_THROWS_WITH(strata::RegexLabeller("no_group"), Contains("needs a capture group"));
  CHECK_THROWS_WITH(strata::RegexLabeller("(unclosed"), Contains("not a valid regular expression"));
  CHECK(strata::parent_label("/data/train/cat/1.jpg") == "cat");
}

TEST_CASE("RandomSplitter: fastai's counts, and the same split as fastai with the same seed", "[data][parity]") {
  strata::Paths items(7390);
  const auto s = strata::RandomSplitter(0.2, 42)(items);
  CHECK(s.valid.size() == 1478);
  CHECK(s.train.size() == 5912);
  std::set<int64_t> all(s.train.begin(), s.train.end());
  all.insert(s.valid.begin(), s.valid.end());
  CHECK(all.size() == 7390);
  // fastai: torch.manual_seed(seed); randperm(n); valid = first int(pct * n).
  const auto out = strata_test::run_python(
      "import torch\ntorch.manual_seed(42)\np = torch.randperm(7390).tolist()\nprint(p[:5], p[1478:1483])\n");
  const auto fmt5 = [](const std::vector<int64_t>& v) {
    return fmt::format("[{}, {}, {}, {}, {}]", v[0], v[1], v[2], v[3], v[4]);
  };
  CHECK(out == fmt5(s.valid) + " " + fmt5(s.train) + "\n");
  CHECK_THROWS_WITH(strata::RandomSplitter(1.5), Contains("valid_pct must be in [0, 1]"));
}

TEST_CASE("Other splitters: grandparent, function, index, file, end", "[data]") {
  strata::Paths items{"/d/train/cat/1.jpg", "/d/valid/cat/2.jpg", "/d/train/dog/3.jpg", "/d/test/dog/4.jpg"};
  auto gp = strata::GrandparentSplitter()(items);
  CHECK(gp.train == std::vector<int64_t>{0, 2});
  CHECK(gp.valid == std::vector<int64_t>{1});
  auto fn = strata::FuncSplitter([](const fs::path& p) { return p.filename() == "3.jpg"; })(items);
  CHECK(fn.valid == std::vector<int64_t>{2});
  CHECK(strata::IndexSplitter({0, 3})(items).train == std::vector<int64_t>{1, 2});
  CHECK_THROWS_WITH(strata::IndexSplitter({9})(items), Contains("index 9 is out of range for 4 items"));
  strata_test::TempDir dir;
  strata_test::write_text(dir / "valid.txt", "2.jpg\n4.jpg\n");
  CHECK(strata::FileSplitter(dir / "valid.txt")(items).valid == std::vector<int64_t>{1, 3});
  CHECK(strata::EndSplitter(0.5)(items).valid == std::vector<int64_t>{2, 3});
  CHECK(strata::EndSplitter(0.5, false)(items).valid == std::vector<int64_t>{0, 1});
}

TEST_CASE("Categorize: sorted vocab from the training items, encodes and decodes", "[data]") {
  strata::Categorize cat;
  std::vector<std::string> labels{"dog", "cat", "dog", "bird"};
  cat.setup({labels.size(), [&](std::size_t i) { return strata::Item{strata::Value::text(labels[i])}; }});
  CHECK(cat.vocab().vocab() == std::vector<std::string>{"bird", "cat", "dog"});
  strata::TransformContext ctx;
  const auto v = cat(strata::Value::text("dog"), ctx);
  CHECK(v.kind() == strata::Kind::Category);
  CHECK(v.tensor().item<int64_t>() == 2);
  CHECK(cat.decode(strata::Item{v})[0].str() == "dog");
  CHECK_THROWS_AS(cat(strata::Value::text("cow"), ctx), strata::KeyError);
  CHECK_THROWS_WITH(cat(strata::Value::text("cow"), ctx), Contains("label 'cow' is not in the vocab of 3 labels"));
}
