#pragma once
/// Values for per-group hyper-parameters: a scalar, one value per group, or fastai's slice.

#include <cstddef>
#include <optional>
#include <vector>

namespace strata {

/// fastai even_mults(start, stop, n): n values in geometric progression from start to stop.
std::vector<double> even_mults(double start, double stop, std::size_t n);

/// A hyper-parameter value as fastai's set_hyper accepts it (lr=3e-3, lr=[...], lr=slice(lo, hi)).
class HyperValue {
 public:
  /// The same value for every group.
  HyperValue(double v) : scalar_(v) {}  // NOLINT: implicit, like passing a float in Python
  /// One value per group (a single value is broadcast).
  HyperValue(std::vector<double> values) : list_(std::move(values)) {}  // NOLINT
  /// fastai slice(stop): stop/10 for all groups but the last, which gets stop.
  static HyperValue slice(double stop) { return HyperValue(std::nullopt, stop); }
  /// fastai slice(start, stop): even_mults(start, stop, n_groups).
  static HyperValue slice(double start, double stop) { return HyperValue(start, stop); }

  /// The per-group values for `n_groups` groups (ValueError on a length mismatch).
  std::vector<double> expand(std::size_t n_groups) const;

 private:
  HyperValue(std::optional<double> start, double stop) : is_slice_(true), start_(start), stop_(stop) {}
  std::optional<double> scalar_;
  std::vector<double> list_;
  bool is_slice_ = false;
  std::optional<double> start_;
  double stop_ = 0;
};

/// Shorthands: strata::slice(1e-6, 1e-4) reads like fastai's slice(1e-6, 1e-4).
inline HyperValue slice(double stop) { return HyperValue::slice(stop); }
inline HyperValue slice(double start, double stop) { return HyperValue::slice(start, stop); }

}  // namespace strata
