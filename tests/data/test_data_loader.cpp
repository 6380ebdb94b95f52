#include <atomic>
#include <chrono>
#include <thread>

#include <ATen/ATen.h>

#include "catch.h"
#include "strata/core/error.h"
#include "strata/data/data_loaders.h"
#include "strata/data/tfmd_lists.h"

using strata::Item;
using strata::Kind;
using strata::TransformContext;
using strata::Value;
using strata_test::Contains;

namespace {

// Items 0..n-1 become (tensor [2] = {i, random draw}, Category i % 3). The random draw shows that
// augmentation depends on (seed, epoch, index) only. Item `bad` throws.
std::shared_ptr<strata::ItemTransform> numbered(std::int64_t bad = -1) {
  return std::make_shared<strata::ItemTransform>("Numbered", [bad](Item item, TransformContext& ctx) {
    const auto i = std::stoll(item.at(0).str());
    if (i == bad) throw strata::IOError("cannot read it");
    const double draw = ctx.split == strata::Split::Train ? ctx.generator("Numbered").uniform() : 0.0;
    return Item{Value(Kind::Tensor, at::tensor({static_cast<double>(i), draw})), Value::category(i % 3)};
  });
}

strata::TfmdLists lists(std::size_t n, std::int64_t bad = -1) {
  std::vector<Item> items;
  for (std::size_t i = 0; i < n; ++i) items.push_back(Item{Value::text(std::to_string(i))});
  strata::Splits splits;
  for (std::size_t i = 0; i < n; ++i) (i % 5 == 0 ? splits.valid : splits.train).push_back(static_cast<int64_t>(i));
  return strata::TfmdLists(std::move(items), strata::Pipeline({numbered(bad)}), splits);
}

std::vector<at::Tensor> epoch(strata::DataLoader& dl) {
  std::vector<at::Tensor> out;
  for (Item b : dl) out.push_back(b.at(0).tensor());
  return out;
}

}  // namespace

TEST_CASE("DataLoader: batch counts follow fastai (drop_last in training)", "[data]") {
  auto tls = lists(103);  // 82 training, 21 validation items
  auto dls = strata::dataloaders(tls, strata::DataLoadersOptions().bs(16).num_workers(2));
  CHECK(dls.train().size() == 5);
  CHECK(dls.valid().size() == 2);
  auto valid = epoch(dls.valid());
  CHECK(valid[0].size(0) == 16);
  CHECK(valid[1].size(0) == 5);
  CHECK(valid[0][1][0].item<double>() == 5.0);  // ordered: items 0, 5, 10, ...
  for (auto& b : epoch(dls.train())) CHECK(b.size(0) == 16);
}

TEST_CASE("DataLoader: 0, 1 and 4 workers give identical batches", "[data]") {
  auto tls = lists(200);
  std::vector<std::vector<at::Tensor>> runs;
  for (int workers : {0, 1, 4}) {
    strata::DataLoader dl(tls.train(), strata::DataLoaderOptions().bs(8).shuffle(true).num_workers(workers).seed(7));
    runs.push_back(epoch(dl));
    auto second = epoch(dl);
    CHECK_FALSE(at::equal(second[0], runs.back()[0]));  // a new epoch: a new order and new draws
  }
  for (std::size_t r = 1; r < runs.size(); ++r) {
    REQUIRE(runs[r].size() == runs[0].size());
    for (std::size_t b = 0; b < runs[0].size(); ++b) CHECK(at::equal(runs[r][b], runs[0][b]));
  }
}

TEST_CASE("DataLoader: an item's error reaches the consumer with its index and raw item", "[data]") {
  auto tls = lists(50, /*bad=*/13);
  strata::DataLoader dl(tls.train(), strata::DataLoaderOptions().bs(4).num_workers(3));
  int delivered = 0;
  try {
    for (Item b : dl) {
      (void)b;
      ++delivered;
      // The workers finish the bad batch 2 meanwhile: looking ahead to it (to start its copy to a
      // GPU early) must not raise its error before batch 1 is delivered.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("expected an IOError");
  } catch (const strata::IOError& e) {
    CHECK_THAT(std::string(e.what()), Contains("DataLoader: item 10 ('13') of batch 2: cannot read it"));
  }
  CHECK(delivered == 2);
}

TEST_CASE("DataLoader: stopping early or destroying mid-epoch joins the workers", "[data]") {
  auto tls = lists(400);
  for (int round = 0; round < 20; ++round) {
    strata::DataLoader dl(tls.train(), strata::DataLoaderOptions().bs(4).num_workers(4).prefetch(3));
    int seen = 0;
    for (Item b : dl) {
      if (++seen == 2) break;
    }
    CHECK(seen == 2);
    auto it = dl.begin();  // abandoned at once: the stream's destructor must not hang
  }
  SUCCEED("no deadlock");
}

TEST_CASE("DataLoader: one_batch, decode_batch, vocab and n_inp", "[data]") {
  auto tls = lists(30);
  auto dls = strata::dataloaders(tls, strata::DataLoadersOptions().bs(4).num_workers(0));
  auto batch = dls.one_batch();
  REQUIRE(batch.size() == 2);
  CHECK(batch[0].tensor().sizes() == at::IntArrayRef({4, 2}));
  CHECK(batch[1].kind() == Kind::Category);
  auto [x, y] = dls.split_batch(batch);
  CHECK(x.size() == 1);
  CHECK(y.size() == 1);
  CHECK(dls.vocab().empty());
  CHECK_THROWS_WITH(strata::DataLoader(tls.train(), strata::DataLoaderOptions().bs(0)), Contains("bs must be positive"));
  CHECK_THROWS_WITH(strata::dataloaders(tls, strata::DataLoadersOptions().bs(100)),
                    Contains("makes no full batch of 100"));
}

TEST_CASE("collate: mismatched shapes and Text values are named", "[data]") {
  std::vector<Item> items{{Value(Kind::TensorImage, at::zeros({3, 4, 4}))}, {Value(Kind::TensorImage, at::zeros({3, 5, 4}))}};
  CHECK_THROWS_WITH(strata::collate(items), Contains("position 0 (TensorImage) has shape [3, 4, 4] in item 0 but [3, 5, 4] in item 1"));
  CHECK_THROWS_WITH(strata::collate({{Value::text("a.jpg")}}), Contains("holds Text ('a.jpg')"));
}

TEST_CASE("TfmdLists: empty training sets and bad indices are refused before training", "[data]") {
  std::vector<Item> items{{Value::text("0")}, {Value::text("1")}};
  CHECK_THROWS_WITH(strata::TfmdLists(items, strata::Pipeline(), strata::Splits{{}, {0, 1}}),
                    Contains("the training set is empty"));
  CHECK_THROWS_WITH(strata::TfmdLists(items, strata::Pipeline(), strata::Splits{{0, 5}, {1}}),
                    Contains("split index 5 is out of range for 2 items"));
  CHECK_THROWS_WITH(strata::TfmdLists(std::vector<Item>{}, strata::Pipeline(), strata::Splits{}),
                    Contains("there are no items"));
}
