#pragma once
// The user-written transform of fastai's Siamese tutorial: a file path becomes
// (image, image, same-class?) with a partner drawn from the same subset. Validation partners are
// drawn once, so validation is deterministic; training partners are redrawn every epoch.

#include <map>
#include <string>

#include <strata/strata.h>

class SiameseTransform : public strata::Transform {
 public:
  SiameseTransform(const strata::Paths& files, strata::LabelFunc label, const strata::Splits& splits,
                   std::uint64_t seed)
      : Transform("SiameseTransform"), label_(std::move(label)) {
    for (auto split : {strata::Split::Train, strata::Split::Valid}) {
      const auto& idx = split == strata::Split::Train ? splits.train : splits.valid;
      for (auto i : idx) by_label_[int(split)][label_(files[i])].push_back(files[i].string());
    }
    strata::Rng rng(seed);  // fixed validation pairs
    for (auto i : splits.valid) valid_[files[i].string()] = draw(files[i].string(), strata::Split::Valid, rng);
  }

 protected:
  strata::Item encode_item(strata::Item item, strata::TransformContext& ctx) const override {
    const std::string f = item.at(0).str();
    auto fixed = valid_.find(f);
    const auto [f2, same] = fixed != valid_.end() ? fixed->second : draw(f, ctx.split, ctx.generator("SiameseTransform"));
    return {strata::read_image(f), strata::read_image(f2), strata::Value::category(same ? 1 : 0)};
  }

 private:
  // fastai _draw: same class with p = 0.5, else a uniformly chosen other class.
  std::pair<std::string, bool> draw(const std::string& f, strata::Split split, strata::Rng& rng) const {
    const auto& classes = by_label_[int(split)];
    const bool same = rng.uniform() < 0.5;
    std::string cls = label_(f);
    if (!same) {
      std::vector<std::string> others;
      for (const auto& [name, members] : classes)
        if (name != cls) others.push_back(name);
      cls = others.at(static_cast<std::size_t>(rng.randint(0, static_cast<std::int64_t>(others.size()) - 1)));
    }
    const auto& members = classes.at(cls);
    return {members[static_cast<std::size_t>(rng.randint(0, static_cast<std::int64_t>(members.size()) - 1))], same};
  }

  strata::LabelFunc label_;
  std::map<std::string, std::vector<std::string>> by_label_[2];
  std::map<std::string, std::pair<std::string, bool>> valid_;
};
