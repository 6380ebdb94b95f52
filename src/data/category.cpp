#include "strata/data/category.h"

#include <algorithm>
#include <set>

#include <ATen/ATen.h>

#include "strata/core/error.h"

namespace strata {

CategoryMap::CategoryMap(const std::vector<std::string>& labels, bool sort) {
  std::set<std::string> seen;
  for (const auto& l : labels)
    if (seen.insert(l).second) vocab_.push_back(l);
  if (sort) std::sort(vocab_.begin(), vocab_.end());
  for (std::size_t i = 0; i < vocab_.size(); ++i) o2i_[vocab_[i]] = static_cast<std::int64_t>(i);
}

const std::string& CategoryMap::operator[](std::size_t i) const {
  STRATA_CHECK_INDEX(i < vocab_.size(), "CategoryMap: index {} is out of range for a vocab of {}", i, vocab_.size());
  return vocab_[i];
}

std::int64_t CategoryMap::index(const std::string& label) const {
  auto it = o2i_.find(label);
  if (it == o2i_.end()) {
    std::string some;
    for (std::size_t i = 0; i < vocab_.size() && i < 5; ++i) some += (i ? ", '" : "'") + vocab_[i] + "'";
    STRATA_FAIL(KeyError, "Categorize: label '{}' is not in the vocab of {} labels ({}{})", label, vocab_.size(), some,
                vocab_.size() > 5 ? ", ..." : "");
  }
  return it->second;
}

Categorize::Categorize(std::vector<std::string> vocab, bool sort) : Transform("Categorize", 1), sort_(sort) {
  if (!vocab.empty()) vocab_ = CategoryMap(vocab, sort);
  define_encodes(Kind::Text, [this](const Value& v, TransformContext&) {
    STRATA_CHECK(!vocab_.empty(), "Categorize: no vocab; set it up on the training items first");
    return Value::category(vocab_.index(v.str()));
  });
  define_decodes(Kind::Category, [this](const Value& v) {
    const auto& t = v.tensor();
    if (t.dim() != 0) return v;  // a batch of categories stays a tensor
    return Value::text(vocab_[static_cast<std::size_t>(t.item<std::int64_t>())]);
  });
}

void Categorize::setup(const ItemsView& items) {
  if (!vocab_.empty()) return;
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < items.size; ++i)
    for (const auto& v : items.get(i))
      if (v.is_text()) labels.push_back(v.str());
  STRATA_CHECK(!labels.empty(), "Categorize: the training items hold no labels to build a vocab from");
  vocab_ = CategoryMap(labels, sort_);
}

MultiCategorize::MultiCategorize(std::vector<std::string> vocab, char delimiter)
    : Transform("MultiCategorize", 1), delimiter_(delimiter) {
  if (!vocab.empty()) vocab_ = CategoryMap(vocab);
  define_encodes(Kind::Text, [this](const Value& v, TransformContext&) {
    STRATA_CHECK(!vocab_.empty(), "MultiCategorize: no vocab; set it up on the training items first");
    at::Tensor hot = at::zeros({static_cast<std::int64_t>(vocab_.size())}, at::kFloat);
    for (const auto& label : split(v.str())) hot[vocab_.index(label)] = 1.0f;
    return Value(Kind::MultiCategory, hot);
  });
  define_decodes(Kind::MultiCategory, [this](const Value& v) {
    const auto& t = v.tensor();
    if (t.dim() != 1) return v;
    std::string joined;
    for (std::int64_t i = 0; i < t.size(0); ++i)
      if (t[i].item<double>() > 0.5) joined += (joined.empty() ? "" : std::string(1, delimiter_)) + vocab_[static_cast<std::size_t>(i)];
    return Value::text(joined);
  });
}

std::vector<std::string> MultiCategorize::split(const std::string& labels) const {
  std::vector<std::string> out;
  std::string current;
  for (char c : labels + delimiter_) {
    if (c != delimiter_) {
      current += c;
    } else if (!current.empty()) {
      out.push_back(current);
      current.clear();
    }
  }
  return out;
}

void MultiCategorize::setup(const ItemsView& items) {
  if (!vocab_.empty()) return;
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < items.size; ++i)
    for (const auto& v : items.get(i))
      if (v.is_text())
        for (auto& l : split(v.str())) labels.push_back(l);
  STRATA_CHECK(!labels.empty(), "MultiCategorize: the training items hold no labels to build a vocab from");
  vocab_ = CategoryMap(labels);
}

}  // namespace strata
