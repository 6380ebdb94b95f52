#pragma once
/// fastai show_batch / show_results as PNG files: a grid of decoded images with their labels.
/// Pairs (the Siamese task) are shown side by side with a 10-pixel black strip between them.

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "strata/core/value.h"

namespace strata {

class DataLoader;
class Learner;

/// One cell: an RGB uint8 [H, W, 3] image and its title (drawn above it, in `title_color`).
struct GridCell {
  at::Tensor image;
  std::string title;
  std::array<int, 3> title_color{0, 0, 0};
};

/// Writes the cells as a grid PNG (ncols 0: fastai's get_grid, rows = int(sqrt(n))). Small
/// images are enlarged (nearest) to at least `min_height` pixels so titles stay readable.
void write_grid(const std::filesystem::path& path, const std::vector<GridCell>& cells, int ncols = 0,
                int min_height = 128);

/// Two images side by side with a `gap`-pixel black strip (fastai SiameseImage.show).
at::Tensor side_by_side(const at::Tensor& left, const at::Tensor& right, int gap = 10);

/// Class codes coloured (a tab10-like palette) and blended at alpha 0.5 over an RGB uint8
/// [H, W, 3] image; code 0 (background) is left as it is.
at::Tensor overlay_mask(const at::Tensor& image, const at::Tensor& mask);
/// The first `n` display images of a decoded batch (uint8 [H, W, 3]): pairs side by side, masks
/// overlaid.
std::vector<at::Tensor> display_images(const Item& decoded, std::int64_t n);

/// fastai dls.show_batch(max_n): one batch of `loader`, decoded, as a PNG grid. Titles are vocab
/// names when given, else category indices; a second image in the batch makes pairs.
void show_batch(DataLoader& loader, const std::filesystem::path& path, const std::vector<std::string>& vocab = {},
                int max_n = 9);

/// fastai learn.show_results(max_n): validation items with "target/prediction" titles, green
/// when right and red when wrong. Class names from `vocab`, else the data's vocab, else indices.
void show_results(Learner& learn, const std::filesystem::path& path, int max_n = 9, std::vector<std::string> vocab = {});

}  // namespace strata
