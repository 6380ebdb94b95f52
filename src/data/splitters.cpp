#include "strata/data/splitters.h"

#include <fstream>
#include <set>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "strata/core/error.h"

namespace strata {
namespace {

Splits complement(std::size_t n, const std::vector<bool>& is_valid) {
  Splits s;
  for (std::size_t i = 0; i < n; ++i) (is_valid[i] ? s.valid : s.train).push_back(static_cast<std::int64_t>(i));
  return s;
}

void check_pct(double pct, const char* who) {
  STRATA_CHECK(pct >= 0.0 && pct <= 1.0, "{}: valid_pct must be in [0, 1], got {}", who, pct);
}

}  // namespace

ItemSplitter RandomSplitter(double valid_pct, std::optional<std::uint64_t> seed) {
  check_pct(valid_pct, "RandomSplitter");
  return [valid_pct, seed](const Paths& items) {
    const auto n = static_cast<std::int64_t>(items.size());
    at::Tensor perm;
    if (seed) {
      at::Generator gen = at::detail::createCPUGenerator(*seed);
      perm = at::randperm(n, gen, at::TensorOptions().dtype(at::kLong));
    } else {
      perm = at::randperm(n, at::TensorOptions().dtype(at::kLong));
    }
    const auto cut = static_cast<std::int64_t>(valid_pct * static_cast<double>(n));
    const auto* p = perm.data_ptr<std::int64_t>();
    Splits s;
    s.valid.assign(p, p + cut);
    s.train.assign(p + cut, p + n);
    return s;
  };
}

ItemSplitter GrandparentSplitter(std::string train_name, std::string valid_name) {
  return [train_name, valid_name](const Paths& items) {
    Splits s;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string gp = items[i].parent_path().parent_path().filename().string();
      if (gp == train_name) s.train.push_back(static_cast<std::int64_t>(i));
      else if (gp == valid_name) s.valid.push_back(static_cast<std::int64_t>(i));
    }
    return s;
  };
}

ItemSplitter FuncSplitter(std::function<bool(const std::filesystem::path&)> is_valid) {
  STRATA_CHECK(static_cast<bool>(is_valid), "FuncSplitter: needs a function");
  return [is_valid](const Paths& items) {
    std::vector<bool> v(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) v[i] = is_valid(items[i]);
    return complement(items.size(), v);
  };
}

ItemSplitter IndexSplitter(std::vector<std::int64_t> valid_idx) {
  return [valid_idx](const Paths& items) {
    std::vector<bool> v(items.size());
    for (auto i : valid_idx) {
      STRATA_CHECK_INDEX(i >= 0 && i < static_cast<std::int64_t>(items.size()),
                         "IndexSplitter: index {} is out of range for {} items", i, items.size());
      v[static_cast<std::size_t>(i)] = true;
    }
    return complement(items.size(), v);
  };
}

ItemSplitter FileSplitter(std::filesystem::path file) {
  return [file](const Paths& items) {
    std::ifstream in(file);
    STRATA_CHECK_IO(static_cast<bool>(in), "FileSplitter: '{}' cannot be read", file.string());
    std::set<std::string> names;
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty()) names.insert(std::filesystem::path(line).filename().string());
    }
    std::vector<bool> v(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) v[i] = names.count(items[i].filename().string()) != 0;
    return complement(items.size(), v);
  };
}

ItemSplitter EndSplitter(double valid_pct, bool valid_last) {
  check_pct(valid_pct, "EndSplitter");
  return [valid_pct, valid_last](const Paths& items) {
    const std::size_t n = items.size();
    const auto cut = static_cast<std::size_t>(valid_pct * static_cast<double>(n));
    std::vector<bool> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = valid_last ? i >= n - cut : i < cut;
    return complement(n, v);
  };
}

}  // namespace strata
