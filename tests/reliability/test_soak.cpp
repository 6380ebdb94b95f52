// DataLoader soak: many epochs with 8 workers, early breaks and injected errors must leave no
// threads, file descriptors or memory behind.
#include <atomic>
#include <fstream>

#include <unistd.h>

#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/data/data_loaders.h"
#include "strata/data/items.h"
#include "strata/vision/fashion_mnist.h"
#include "strata/vision/image_io.h"
#include "strata/vision/tensor_transforms.h"

namespace fs = std::filesystem;

namespace {

std::size_t count_entries(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("DataLoader soak: 400 epochs, 8 workers, early breaks, injected errors: no leaked threads, fds or memory", "[data]") {
  strata_test::TempDir dir;
  strata::FashionMnistOptions o;
  o.classes = {0, 1};
  o.per_class = 24;
  const auto files = strata::materialize_fashion_mnist(dir.path(), o);
  std::atomic<bool> inject{false};
  std::atomic<int> calls{0};
  auto load = std::make_shared<strata::ItemTransform>("Load", [&](strata::Item it, strata::TransformContext&) {
    if (inject && ++calls % 17 == 0) throw strata::ValueError("injected failure");
    return strata::Item{strata::read_image(it.at(0).str()), strata::Value::category(0)};
  });
  strata::Splits splits;
  for (std::size_t i = 0; i < files.size(); ++i) (i < 44 ? splits.train : splits.valid).push_back(static_cast<std::int64_t>(i));
  strata::TfmdLists lists(strata::path_items(files), strata::Pipeline({load}), splits);
  auto dls = strata::dataloaders(lists, strata::DataLoadersOptions().bs(4).num_workers(8).seed(0).after_item(
                                            strata::Pipeline({std::make_shared<strata::ToTensor>()})));
  strata::DataLoader& dl = dls.train();

  auto run_epochs = [&](int n) {
    int failures = 0;
    for (int epoch = 0; epoch < n; ++epoch) {
      inject = epoch % 5 == 4;
      try {
        int b = 0;
        for (auto& batch : dl) {
          (void)batch;
          if (epoch % 3 == 1 && ++b == 2) break;  // stop early, workers still busy
        }
      } catch (const strata::Error&) {
        ++failures;
      }
    }
    inject = false;
    return failures;
  };
  run_epochs(6);  // warm up: LibTorch's pools, allocator caches
  const std::size_t fds = count_entries("/proc/self/fd"), threads = count_entries("/proc/self/task");
  const std::size_t rss = rss_bytes();
  const int failures = run_epochs(400);
  CHECK(failures > 0);  // the injected errors did reach the consumer
  CHECK(count_entries("/proc/self/fd") == fds);
  CHECK(count_entries("/proc/self/task") == threads);
  const double growth_mb = (static_cast<double>(rss_bytes()) - static_cast<double>(rss)) / (1 << 20);
  INFO("RSS growth over 400 epochs: " << growth_mb << " MB");
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in quarantine (256 MB by default): RSS says nothing here.
  (void)growth_mb;
#else
  CHECK(growth_mb < 16.0);
#endif
}
