#pragma once
/// Labels as class indices (fastai CategoryMap, Categorize).

#include <map>
#include <string>
#include <vector>

#include "strata/transforms/transform.h"

namespace strata {

/// fastai CategoryMap: the vocabulary (sorted unique labels) and its inverse.
class CategoryMap {
 public:
  CategoryMap() = default;
  /// Sorted unique values of `labels` (sort = false keeps first-seen order).
  explicit CategoryMap(const std::vector<std::string>& labels, bool sort = true);

  std::size_t size() const { return vocab_.size(); }
  bool empty() const { return vocab_.empty(); }
  const std::vector<std::string>& vocab() const { return vocab_; }
  const std::string& operator[](std::size_t i) const;
  /// Index of `label`; KeyError naming the label and a few known ones when absent.
  std::int64_t index(const std::string& label) const;
  bool contains(const std::string& label) const { return o2i_.count(label) != 0; }

 private:
  std::vector<std::string> vocab_;
  std::map<std::string, std::int64_t> o2i_;
};

/// fastai Categorize (order 1): Text labels -> Category indices. `setup` builds the vocab from the
/// training items unless one is given; a label missing from the vocab is a KeyError naming it.
/// Decodes a Category back to its Text label.
class Categorize : public Transform {
 public:
  explicit Categorize(std::vector<std::string> vocab = {}, bool sort = true);
  void setup(const ItemsView& training_items) override;
  const CategoryMap& vocab() const { return vocab_; }

 private:
  CategoryMap vocab_;
  bool sort_;
};

/// fastai MultiCategorize + OneHotEncode: a Text of labels joined by `delimiter` ("cat;dog") ->
/// MultiCategory one-hot float [n_classes]; vocab from the training items. Decodes back to the
/// joined labels.
class MultiCategorize : public Transform {
 public:
  explicit MultiCategorize(std::vector<std::string> vocab = {}, char delimiter = ';');
  void setup(const ItemsView& training_items) override;
  const CategoryMap& vocab() const { return vocab_; }

 private:
  std::vector<std::string> split(const std::string& labels) const;
  CategoryMap vocab_;
  char delimiter_;
};

}  // namespace strata
