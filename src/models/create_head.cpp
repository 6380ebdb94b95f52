#include "strata/models/create_head.h"

#include <torch/torch.h>

#include "strata/core/error.h"
#include "strata/models/layers.h"

#include "strata/models/sequential.h"

namespace strata {

Sequential create_head(int64_t nf, int64_t n_out, const HeadOptions& o) {
  STRATA_CHECK(nf > 0 && n_out > 0, "create_head: nf and n_out must be positive, got {} and {}", nf, n_out);
  if (o.pool() && o.concat_pool()) nf *= 2;
  std::vector<int64_t> features{nf};
  if (o.hidden().empty()) features.push_back(512);
  else features.insert(features.end(), o.hidden().begin(), o.hidden().end());
  features.push_back(n_out);
  const std::size_t n_linear = features.size() - 1;

  std::vector<double> ps = o.ps();
  STRATA_CHECK(!ps.empty(), "create_head: ps needs at least one dropout probability");
  if (ps.size() == 1) {
    const double p = ps[0];
    ps.assign(n_linear - 1, p / 2);
    ps.push_back(p);
  }
  STRATA_CHECK(ps.size() == n_linear, "create_head: {} dropout probabilities for {} linear layers", ps.size(),
               n_linear);
  for (double p : ps) STRATA_CHECK(p >= 0 && p < 1, "create_head: dropout probability {} is outside [0, 1)", p);

  Sequential head;
  if (o.pool()) {
    if (o.concat_pool()) head->push_back(AdaptiveConcatPool2d());
    else head->push_back(torch::nn::AdaptiveAvgPool2d(1));
    head->push_back(Flatten());
  }
  std::size_t first_p = 0;
  if (o.lin_first()) head->push_back(torch::nn::Dropout(ps[first_p++]));
  // zip(lin_ftrs[:-1], lin_ftrs[1:], bns, ps, actns) stops at the shortest: with lin_first one
  // dropout was consumed above, so the last linear is added on its own below.
  for (std::size_t i = 0; i < n_linear && first_p + i < ps.size(); ++i) {
    const bool bn = i == 0 ? o.first_bn() : true;
    const bool relu = i + 1 < n_linear;
    for (auto& m : lin_bn_drop(features[i], features[i + 1], bn, ps[first_p + i], relu, o.lin_first()))
      head->push_back(m);
  }
  if (o.lin_first()) head->push_back(torch::nn::Linear(features[features.size() - 2], n_out));
  if (o.bn_final()) head->push_back(torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(n_out).momentum(0.01)));
  if (o.y_range()) head->push_back(SigmoidRange(o.y_range()->first, o.y_range()->second));
  return head;
}

}  // namespace strata
