// Real data with no download: Fashion-MNIST from Debian, through the Pets code path.
#include <ATen/ATen.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/data/category.h"
#include "strata/data/data_loaders.h"
#include "strata/data/idx.h"
#include "strata/data/labellers.h"
#include "strata/vision/fashion_mnist.h"
#include "strata/vision/image_io.h"
#include "strata/vision/resize.h"
#include "strata/vision/tensor_transforms.h"

using strata::Item;
using strata::Kind;
using strata::Value;
using strata_test::Contains;

TEST_CASE("read_idx: Fashion-MNIST's files have their documented shapes", "[data]") {
  const auto labels = strata::read_idx(strata::fashion_mnist_dir() / "t10k-labels-idx1-ubyte.gz");
  CHECK(labels.sizes() == at::IntArrayRef({10000}));
  CHECK(labels.max().item<int>() == 9);
  const auto images = strata::read_idx(strata::fashion_mnist_dir() / "t10k-images-idx3-ubyte.gz");
  CHECK(images.sizes() == at::IntArrayRef({10000, 28, 28}));
}

TEST_CASE("read_idx: truncated and foreign files are IOErrors naming the file", "[data]") {
  strata_test::TempDir dir;
  strata_test::write_text(dir / "x.idx", std::string("\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", 10));
  CHECK_THROWS_WITH(strata::read_idx(dir / "x.idx"), Contains("x.idx' declares shape [5] (5 values) but holds 2"));
  strata_test::write_text(dir / "y.idx", "hello");
  CHECK_THROWS_WITH(strata::read_idx(dir / "y.idx"), Contains("y.idx' is not an idx file"));
}

TEST_CASE("Fashion-MNIST in the Pets layout: load, label, split, batch, decode back to the pixels",
          "[data][e2e]") {
  strata_test::TempDir dir;
  strata::FashionMnistOptions opts;
  opts.classes = {0, 7, 9};
  opts.per_class = 100;
  const auto files = strata::materialize_fashion_mnist(dir.path(), opts);
  REQUIRE(files.size() == 300);
  CHECK(files.front().filename() == "Ankle_boot_0.png");
  CHECK(strata::materialize_fashion_mnist(dir.path(), opts) == files);  // cached

  strata::RegexLabeller label(R"(^(.*)_\d+\.png$)");
  std::vector<Item> items;
  for (const auto& f : files) items.push_back({Value::text(f.string())});
  auto x = std::make_shared<strata::ItemTransform>("Load", [](Item it, strata::TransformContext&) {
    return Item{strata::read_image(it.at(0).str())};
  });
  auto y = std::make_shared<strata::ItemTransform>("Label", [label](Item it, strata::TransformContext&) {
    return Item{Value::text(label(it.at(0).str()))};
  });
  strata::Datasets dsets(items, {strata::Pipeline({x}), strata::Pipeline({y, std::make_shared<strata::Categorize>()})},
                         strata::RandomSplitter(0.2, 1)(files));
  auto dls = strata::dataloaders(
      dsets, strata::DataLoadersOptions()
                 .bs(32)
                 .num_workers(2)
                 .after_item(strata::Pipeline({std::make_shared<strata::ToTensor>()}))
                 .after_batch(strata::Pipeline({std::make_shared<strata::IntToFloatTensor>(),
                                                strata::Normalize::from_stats(strata::imagenet_stats)})));
  CHECK(dls.vocab() == std::vector<std::string>{"Ankle_boot", "Sneaker", "T-shirt_top"});
  CHECK(dls.train().size() == 240 / 32);
  CHECK(dls.valid().size() == 2);

  auto batch = *dls.valid().begin();
  REQUIRE(batch[0].tensor().sizes() == at::IntArrayRef({32, 3, 28, 28}));
  CHECK(std::abs(batch[0].tensor().mean().item<float>()) < 3.0f);
  auto decoded = dls.valid().decode_batch(batch);
  CHECK(decoded[0].kind() == Kind::Image);
  // Validation item 0 is the first index of the split: its decoded pixels equal the PNG's.
  const auto first = dsets.valid()->describe_raw(0);
  const auto source = strata::read_image(first.substr(1, first.size() - 2)).tensor();
  CHECK(at::equal(decoded[0].tensor()[0], source));
  const auto label_index = batch[1].tensor()[0].item<int64_t>();
  CHECK(first.find(dls.vocab()[static_cast<std::size_t>(label_index)]) != std::string::npos);
}
