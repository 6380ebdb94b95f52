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

}  // namespace strata
