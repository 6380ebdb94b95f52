#pragma once
/// fastai Interpretation: what a trained model gets wrong. ClassificationInterpretation
/// (confusion matrix, most_confused, top losses) and SegmentationInterpretation (top losses),
/// with PNG plots.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "strata/data/data_loader.h"

namespace strata {

class Learner;

/// The predictions, targets and per-item losses over one ordered loader.
class Interpretation {
 public:
  /// `dl` (optional) is the ordered loader the rows come from, for the plots of top losses.
  Interpretation(at::Tensor preds, at::Tensor targets, at::Tensor losses, std::vector<std::string> vocab,
                 std::optional<DataLoader> dl = std::nullopt);

  /// fastai top_losses(k, largest): the k largest (or smallest) losses and their item indices
  /// (k -1: all, sorted).
  std::pair<at::Tensor, at::Tensor> top_losses(std::int64_t k = -1, bool largest = true) const;

  const at::Tensor& preds() const { return preds_; }
  const at::Tensor& targets() const { return targets_; }
  const at::Tensor& losses() const { return losses_; }
  const std::vector<std::string>& vocab() const { return vocab_; }

 protected:
  /// The items at `indices` decoded for display (uint8 images, then the rest of the item).
  Item decoded_items(const std::vector<std::int64_t>& indices) const;
  std::string class_name(std::int64_t i) const;

  at::Tensor preds_, targets_, losses_;
  std::vector<std::string> vocab_;
  std::optional<DataLoader> dl_;
};

class ClassificationInterpretation : public Interpretation {
 public:
  using Interpretation::Interpretation;
  /// fastai ClassificationInterpretation.from_learner(learn, ds_idx=1).
  static ClassificationInterpretation from_learner(Learner& learn, int ds_idx = 1);

  /// [c, c] counts: rows are actual classes, columns predicted ones.
  at::Tensor confusion_matrix() const;
  /// The matrix as a text table with class names.
  std::string confusion_matrix_text() const;
  /// fastai plot_confusion_matrix as a PNG (blue cells, counts, class names on both axes).
  void plot_confusion_matrix(const std::filesystem::path& path) const;

  struct Confusion {
    std::string actual, predicted;
    std::int64_t count = 0;
  };
  /// fastai most_confused(min_val=1): off-diagonal cells with at least min_val items, most first
  /// (ties in row-major order).
  std::vector<Confusion> most_confused(std::int64_t min_val = 1) const;
  /// fastai plot_top_losses(k): the k worst items titled "prediction/actual / loss / probability".
  void plot_top_losses(std::int64_t k, const std::filesystem::path& path) const;
};

class SegmentationInterpretation : public Interpretation {
 public:
  using Interpretation::Interpretation;
  static SegmentationInterpretation from_learner(Learner& learn, int ds_idx = 1);
  /// The k worst images: under the target mask, then under the predicted one, titled with the loss.
  void plot_top_losses(std::int64_t k, const std::filesystem::path& path) const;
};

}  // namespace strata
