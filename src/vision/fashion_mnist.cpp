#include "strata/vision/fashion_mnist.h"

#include <algorithm>

#include <ATen/ATen.h>

#include "strata/core/error.h"
#include "strata/data/idx.h"
#include "strata/vision/image_io.h"

namespace strata {
namespace fs = std::filesystem;

fs::path fashion_mnist_dir() { return "/usr/share/datasets/fashion-mnist"; }

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names{"T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle_boot"};
  return names;
}

Paths materialize_fashion_mnist(const fs::path& out, const FashionMnistOptions& o) {
  STRATA_CHECK(o.per_class > 0 && o.skip_per_class >= 0, "materialize_fashion_mnist: per_class must be positive");
  std::vector<int> classes = o.classes;
  if (classes.empty())
    for (int c = 0; c < 10; ++c) classes.push_back(c);
  for (int c : classes) STRATA_CHECK(c >= 0 && c < 10, "materialize_fashion_mnist: class {} is not in 0..9", c);

  const fs::path src = o.source.empty() ? fashion_mnist_dir() : o.source;
  const std::string prefix = o.train_file ? "train" : "t10k";
  const fs::path images_file = src / (prefix + "-images-idx3-ubyte.gz");
  const fs::path labels_file = src / (prefix + "-labels-idx1-ubyte.gz");
  STRATA_CHECK_IO(fs::exists(images_file), "materialize_fashion_mnist: '{}' is missing (apt-get install "
                  "dataset-fashion-mnist)", images_file.string());
  const fs::path dir = out / "images";
  fs::create_directories(dir);

  // Names first: when every file exists, the idx files need not be read at all.
  std::vector<std::pair<int, int>> wanted;  // (class, n)
  Paths paths;
  bool all_present = true;
  for (int c : classes)
    for (int n = o.skip_per_class; n < o.skip_per_class + o.per_class; ++n) {
      paths.push_back(dir / (fashion_mnist_classes()[static_cast<std::size_t>(c)] + "_" + std::to_string(n) + ".png"));
      wanted.emplace_back(c, n);
      all_present = all_present && fs::exists(paths.back());
    }
  if (!all_present) {
    const at::Tensor images = read_idx(images_file);
    const at::Tensor labels = read_idx(labels_file);
    STRATA_CHECK_IO(images.dim() == 3 && labels.dim() == 1 && images.size(0) == labels.size(0),
                    "materialize_fashion_mnist: '{}' and '{}' do not match", images_file.string(), labels_file.string());
    const auto* lab = labels.data_ptr<std::uint8_t>();
    std::vector<std::vector<std::int64_t>> by_class(10);
    for (std::int64_t i = 0; i < labels.size(0); ++i) by_class[lab[i]].push_back(i);
    for (std::size_t k = 0; k < wanted.size(); ++k) {
      if (fs::exists(paths[k])) continue;
      const auto& [c, n] = wanted[k];
      const auto& members = by_class[static_cast<std::size_t>(c)];
      STRATA_CHECK(static_cast<std::size_t>(n) < members.size(),
                   "materialize_fashion_mnist: class {} has only {} images in '{}'", c, members.size(),
                   images_file.string());
      write_image(paths[k], Value(Kind::Mask, images[members[static_cast<std::size_t>(n)]].contiguous()));
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace strata
