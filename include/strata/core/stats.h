#pragma once
/// Per-channel normalisation statistics (fastai: imagenet_stats), shared by models' metadata
/// and the Normalize transform.

#include <vector>

namespace strata {

struct Stats {
  std::vector<double> mean;
  std::vector<double> std;
};

/// ImageNet's RGB statistics: mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
extern const Stats imagenet_stats;

}  // namespace strata
