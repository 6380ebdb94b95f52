// A messy folder: good images next to empty, truncated, mislabelled and oversized files. By
// default the first bad item stops loading with an error naming it; with skip_bad_items the good
// ones load and every bad one is counted.
#include <fstream>
#include <set>

#include <torch/torch.h>
#include <unistd.h>
#include <zlib.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/core/file_io.h"
#include "strata/data/category.h"
#include "strata/data/items.h"
#include "strata/data/labellers.h"
#include "strata/data/tfmd_lists.h"
#include "strata/vision/data_block.h"
#include "strata/vision/fashion_mnist.h"
#include "strata/vision/image_io.h"
#include "strata/vision/resize.h"

namespace fs = std::filesystem;
using strata_test::Contains;

namespace {

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

// A PNG whose header claims width x height pixels (a decompression bomb's signature).
std::vector<std::uint8_t> png_header_only(std::uint32_t width, std::uint32_t height) {
  std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<std::uint8_t> chunk = {'I', 'H', 'D', 'R'};
  put_be32(chunk, width);
  put_be32(chunk, height);
  chunk.insert(chunk.end(), {8, 2, 0, 0, 0});  // 8-bit RGB
  put_be32(png, 13);
  png.insert(png.end(), chunk.begin(), chunk.end());
  put_be32(png, static_cast<std::uint32_t>(crc32(0, chunk.data(), static_cast<uInt>(chunk.size()))));
  return png;
}

struct MessyFolder {
  fs::path images;
  std::vector<std::string> bad;  // file names that cannot load
};

MessyFolder messy_folder(const fs::path& dir) {
  strata::FashionMnistOptions o;
  o.classes = {0, 1};
  o.per_class = 12;
  const auto files = strata::materialize_fashion_mnist(dir, o);
  const fs::path images = dir / "images";
  const auto grey = strata::read_image(files[0]).tensor();
  // Odd but good: 16-bit, grey, RGBA, 1x1 and a non-UTF-8 name.
  strata_test::run_python("import numpy as np; from PIL import Image\n"
                           "Image.fromarray((np.arange(784).reshape(28, 28) * 80).astype(np.uint16)).save('" +
                           (images / "Trouser_901.png").string() + "')\n");
  strata::write_image(images / "Trouser_902.png", strata::Value(strata::Kind::Image, grey.select(2, 0).unsqueeze(2).contiguous()));
  strata::write_image(images / "Trouser_903.png",
                      strata::Value(strata::Kind::Image, torch::cat({grey, torch::full({28, 28, 1}, 255, torch::kByte)}, 2)));
  strata::write_image(images / "Trouser_904.png", strata::Value(strata::Kind::Image, torch::full({1, 1, 3}, 7, torch::kByte)));
  fs::copy_file(files[1], images / std::string("Trouser_905_\xff\xfe.png"));
  // Bad: empty, truncated, text, bomb.
  MessyFolder m{images, {"T-shirt_901.png", "T-shirt_902.jpg", "T-shirt_903.jpg", "T-shirt_904.png"}};
  strata_test::write_text(images / m.bad[0], "");
  auto jpeg = strata::read_file_bytes(strata_test::opencv_samples() / "baboon.jpg");
  jpeg.resize(jpeg.size() / 3);
  strata::write_file_atomic(images / m.bad[1], jpeg);
  strata_test::write_text(images / m.bad[2], "not an image\n");
  strata::write_file_atomic(images / m.bad[3], png_header_only(40000, 40000));
  // A symlink loop must not make get_image_files walk forever.
  fs::create_directory_symlink(images, images / "loop");
  return m;
}

strata::DataLoaders messy_loaders(const fs::path& images, bool skip) {
  return strata::ImageDataLoaders::from_name_re(
      strata::get_image_files(images), R"(^(.*?)_\d+.*\.(png|jpg)$)",
      strata::ImageDataLoadersOptions()
          .valid_pct(0.25)
          .item_tfms({std::make_shared<strata::Resize>(16)})
          .loaders(strata::DataLoadersOptions().bs(4).num_workers(2).seed(0).drop_last_train(false).skip_bad_items(skip)));
}

std::size_t iterate(strata::DataLoader& dl) {
  std::size_t n = 0;
  for (auto& batch : dl) n += static_cast<std::size_t>(batch.at(0).tensor().size(0));
  return n;
}

}  // namespace

TEST_CASE("Bad data: each broken file is an error naming it; skip_bad_items keeps the good ones", "[data]") {
  strata_test::TempDir dir;
  const MessyFolder m = messy_folder(dir.path());
  const auto files = strata::get_image_files(m.images);  // terminates despite images/loop -> images
  CHECK(files.size() == 24 + 5 + 4);

  SECTION("by default the first bad item stops the epoch, naming the file and what is wrong") {
    auto dls = messy_loaders(m.images, false);
    std::string message;
    try {
      iterate(dls.train());
      iterate(dls.valid());
    } catch (const strata::Error& e) {
      message = e.what();
    }
    INFO(message);
    bool names_one = false;
    for (const auto& name : m.bad) names_one = names_one || message.find(name) != std::string::npos;
    CHECK(names_one);
  }
  SECTION("skip_bad_items: every good file loads, every bad one is counted once") {
    auto dls = messy_loaders(m.images, true);
    const std::size_t loaded = iterate(dls.train()) + iterate(dls.valid());
    CHECK(loaded == files.size() - m.bad.size());
    CHECK(dls.train().skipped_items() + dls.valid().skipped_items() == m.bad.size());
  }
  SECTION("skip_bad_items: a batch of only bad items is an error saying so") {
    strata::Paths only_bad;
    for (const auto& name : m.bad) only_bad.push_back(m.images / name);
    strata::TfmdLists tls(only_bad,
                          strata::Pipeline({std::make_shared<strata::ItemTransform>(
                              "Load", [](strata::Item it, strata::TransformContext&) {
                                return strata::Item{strata::read_image(it.at(0).str()), strata::Value::category(0)};
                              })}),
                          strata::Splits{{0, 1, 2, 3}, {0}});
    auto dls = strata::dataloaders(tls, strata::DataLoadersOptions().bs(4).num_workers(0).skip_bad_items(true));
    CHECK_THROWS_WITH(iterate(dls.train()), Contains("every item of batch 0 is bad (4 skipped)"));
  }
  SECTION("each bad file alone gives its own reason") {
    CHECK_THROWS_WITH(strata::read_image(m.images / m.bad[0]), Contains("0 bytes"));
    CHECK_THROWS_WITH(strata::read_image(m.images / m.bad[1]), Contains("truncated JPEG"));
    CHECK_THROWS_WITH(strata::read_image(m.images / m.bad[2]), Contains("not a decodable image"));
    CHECK_THROWS_WITH(strata::read_image(m.images / m.bad[3]), Contains("1600000000 pixels, above the limit"));
    CHECK(strata::read_image(m.images / std::string("Trouser_905_\xff\xfe.png")).tensor().size(0) == 28);
  }
  SECTION("an unreadable file names the file") {
    if (::geteuid() == 0) {
      WARN("running as root: permissions do not stop reads, nothing to check");
    } else {
      fs::permissions(m.images / "Trouser_904.png", fs::perms::none);
      CHECK_THROWS_WITH(strata::read_image(m.images / "Trouser_904.png"), Contains("Trouser_904.png"));
    }
  }
}

TEST_CASE("Bad data found before training: empty folders, empty splits, throwing labels", "[data]") {
  strata_test::TempDir dir;
  fs::create_directories(dir / "empty");
  CHECK_THROWS_WITH(strata::ImageDataLoaders::from_name_re(strata::get_image_files(dir / "empty"), "(.*)"),
                    Contains("no items") || Contains("empty"));
  strata::FashionMnistOptions o;
  o.classes = {0, 1};
  o.per_class = 4;
  const auto files = strata::materialize_fashion_mnist(dir.path(), o);
  CHECK_THROWS_WITH(
      strata::ImageDataLoaders::from_name_func(files, [](const fs::path& p) -> std::string {
        if (p.filename().string().rfind("Trouser", 0) == 0) throw strata::ValueError("no label for this one");
        return "T-shirt";
      }),
      Contains("Trouser_") && Contains("no label for this one"));
  CHECK_THROWS_WITH(strata::ImageDataLoaders::from_name_re(files, R"(^(.*)_\d+\.png$)",
                                                           strata::ImageDataLoadersOptions().valid_pct(1.0)),
                    Contains("training"));
}

TEST_CASE("A validation label that training never saw is an error before training, naming the item", "[data]") {
  strata_test::TempDir dir;
  strata::FashionMnistOptions o;
  o.classes = {0, 1};
  o.per_class = 4;
  const auto files = strata::materialize_fashion_mnist(dir.path(), o);  // Trouser_0..3, T-shirt_0..3
  // The validation set is all trousers, the training set all T-shirts.
  auto splitter = [](const strata::Paths& fs) {
    strata::Splits s;
    for (std::size_t i = 0; i < fs.size(); ++i)
      (fs[i].filename().string().rfind("Trouser", 0) == 0 ? s.valid : s.train).push_back(static_cast<std::int64_t>(i));
    return s;
  };
  strata::RegexLabeller label(R"(^(.*)_\d+\.png$)");
  auto x = std::make_shared<strata::ItemTransform>("Load", [](strata::Item it, strata::TransformContext&) {
    return strata::Item{strata::read_image(it.at(0).str())};
  });
  auto y = std::make_shared<strata::ItemTransform>("Label", [label](strata::Item it, strata::TransformContext&) {
    return strata::Item{strata::Value::text(label(it.at(0).str()))};
  });
  strata::Datasets dsets(files, {strata::Pipeline({x}), strata::Pipeline({y, std::make_shared<strata::Categorize>()})},
                         splitter(files));
  CHECK_THROWS_WITH(strata::dataloaders(dsets, strata::DataLoadersOptions().bs(2)),
                    Contains("validation labels that no training item has") && Contains("Trouser_0.png") &&
                        Contains("label 'Trouser' is not in the vocab"));
}
