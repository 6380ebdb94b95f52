#pragma once
/// Fashion-MNIST (Debian package dataset-fashion-mnist) as real image files laid out like Oxford
/// Pets (`images/Ankle_boot_123.png`), so the exact Pets code paths run on real images anywhere.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "strata/data/items.h"

namespace strata {

/// Where Debian installs the idx files.
std::filesystem::path fashion_mnist_dir();

/// The ten class names, file-name safe: "T-shirt_top", "Trouser", ..., "Ankle_boot".
const std::vector<std::string>& fashion_mnist_classes();

struct FashionMnistOptions {
  /// class indices to keep (empty: all ten)
  std::vector<int> classes;
  /// images per class (taken in file order)
  int per_class = 100;
  /// the 60,000-image training file (false: the 10,000-image test file)
  bool train_file = true;
  /// first image of each class to take (to carve disjoint sets from one file)
  int skip_per_class = 0;
  /// idx folder (default fashion_mnist_dir())
  std::filesystem::path source = {};
};

/// Writes the selected images as 28x28 grayscale PNGs `out/images/<Class>_<n>.png` (n counts
/// from skip_per_class within each class) and returns their paths, sorted. Files already present
/// are kept, so a second call is cheap. IOError naming the idx file when it is missing (install
/// dataset-fashion-mnist).
Paths materialize_fashion_mnist(const std::filesystem::path& out, const FashionMnistOptions& options);

}  // namespace strata
