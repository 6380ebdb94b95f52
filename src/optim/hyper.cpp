#include "strata/optim/hyper.h"

#include <cmath>

#include "strata/core/error.h"

namespace strata {

std::vector<double> even_mults(double start, double stop, std::size_t n) {
  STRATA_CHECK(n > 0, "even_mults: n must be positive");
  if (n == 1) return {stop};
  // fastai: step = (stop/start)**(1/(n-1)); [start * step**i for i in range(n)]
  const double step = std::pow(stop / start, 1.0 / static_cast<double>(n - 1));
  std::vector<double> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(start * std::pow(step, static_cast<double>(i)));
  return out;
}

std::vector<double> HyperValue::expand(std::size_t n) const {
  STRATA_CHECK(n > 0, "set_hyper: the optimizer has no parameter groups");
  if (is_slice_) {
    if (start_ && *start_ != 0.0) return even_mults(*start_, stop_, n);
    std::vector<double> out(n - 1, stop_ / 10.0);
    out.push_back(stop_);
    return out;
  }
  if (scalar_) return std::vector<double>(n, *scalar_);
  if (list_.size() == 1) return std::vector<double>(n, list_[0]);
  STRATA_CHECK(list_.size() == n, "set_hyper: {} values for {} parameter groups", list_.size(), n);
  return list_;
}

}  // namespace strata
