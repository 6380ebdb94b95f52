// fastai lr_find (callback/schedule.py): LRFinder grows the lr exponentially per batch; the
// suggestion functions read the recorded (lr, smoothed loss) curve.
#include "strata/callbacks/lr_finder.h"

#include <cmath>
#include <limits>

#include "strata/core/error.h"
#include "strata/core/state_dict.h"
#include "strata/learner/learner.h"

namespace strata {

void LRFinder::before_fit(Learner&) { best_ = std::numeric_limits<double>::infinity(); }

void LRFinder::before_batch(Learner& l) {
  const double pos = static_cast<double>(l.train_iter) / o_.num_it();
  l.opt().set_hyper("lr", o_.start_lr() * std::pow(o_.end_lr() / o_.start_lr(), pos));
}

void LRFinder::after_batch(Learner& l) {
  const double loss = l.smooth_loss();  // lr_find decides per batch, so it syncs per batch
  if (loss < best_) best_ = loss;
  if ((o_.stop_div() && (loss > 4 * best_ || std::isnan(loss))) || l.train_iter >= o_.num_it()) throw CancelFit();
}

void LRFinder::before_validate(Learner&) { throw CancelValid(); }

SuggestedLRs Learner::lr_find(const LRFindOptions& o) {
  STRATA_CHECK(o.num_it() > 0 && o.start_lr() > 0 && o.end_lr() > o.start_lr(),
               "lr_find: need num_it > 0 and 0 < start_lr < end_lr");
  if (!has_opt()) create_opt();
  // Kept in memory (fastai writes a temporary file): restored whatever happens.
  StateDict saved_model;
  for (const auto& item : state_dict(module())) saved_model.insert(item.key(), item.value().detach().clone());
  const PickleValue saved_opt = opt().state_dict();
  const bool was_logging = logging;
  const auto restore = [&] {
    logging = was_logging;
    load_state_dict(module(), saved_model);
    opt().load_state_dict(saved_opt);
  };
  logging = false;
  const int n_epoch_ = o.num_it() / static_cast<int>(std::max<std::size_t>(1, dls().train().size())) + 1;
  try {
    fit(n_epoch_, std::nullopt, FitOptions().cbs({std::make_shared<LRFinder>(o)}));
  } catch (...) {
    restore();
    throw;
  }
  opt().zero_grad();
  restore();

  const auto& lrs_all = recorder().lrs;
  const auto& losses_all = recorder().losses;
  const std::size_t skip = static_cast<std::size_t>(o.num_it() / 10);
  STRATA_CHECK(lrs_all.size() > skip + 5, "lr_find: only {} batches were recorded; use more data or num_it",
               lrs_all.size());
  std::vector<double> lrs(lrs_all.begin() + static_cast<std::ptrdiff_t>(skip), lrs_all.end() - 5);
  std::vector<double> losses(losses_all.begin() + static_cast<std::ptrdiff_t>(skip), losses_all.end() - 5);
  for (std::size_t i = 0; i < losses.size(); ++i)
    if (std::isnan(losses[i])) {
      lrs.resize(i);
      losses.resize(i);
      break;
    }
  STRATA_CHECK(losses.size() >= 2, "lr_find: the loss diverged at once; lower start_lr");
  return {suggest_valley(lrs, losses), suggest_slide(lrs, losses), suggest_minimum(lrs, losses),
          suggest_steep(lrs, losses)};
}

// ---- lr_find suggestions (float32 arithmetic, as fastai computes them on tensors) -----------------

double suggest_valley(const std::vector<double>& lrs, const std::vector<double>& losses_d) {
  const std::size_t n = losses_d.size();
  std::vector<float> losses(losses_d.begin(), losses_d.end());
  std::size_t max_start = 0, max_end = 0;
  std::vector<std::size_t> lds(n, 1);
  for (std::size_t i = 1; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[max_end] < lds[i]) {
        max_end = i;
        max_start = max_end - lds[max_end];
      }
    }
  const double sections = static_cast<double>(max_end - max_start) / 3.0;
  const std::size_t idx = max_start + static_cast<std::size_t>(sections) + static_cast<std::size_t>(sections / 2);
  return static_cast<float>(lrs.at(idx));
}

double suggest_slide(const std::vector<double>& lrs, const std::vector<double>& losses_d, int lr_diff, double thresh,
                     double adjust_value) {
  const auto n = static_cast<int>(losses_d.size());
  std::vector<float> l(losses_d.begin(), losses_d.end());
  std::vector<float> grad(l.size());  // numpy.gradient: central inside, one-sided at the ends
  for (int i = 0; i < n; ++i) {
    if (n == 1) grad[0] = 0;
    else if (i == 0) grad[0] = l[1] - l[0];
    else if (i == n - 1) grad[i] = l[i] - l[i - 1];
    else grad[i] = (l[i + 1] - l[i - 1]) / 2.0f;
  }
  auto at = [n](int neg) { return n + neg; };  // Python negative index
  int r = -1, left = r - lr_diff;
  STRATA_CHECK(left >= -n, "suggest_slide: needs more than {} points, got {}", lr_diff, n);
  double lr = static_cast<float>(lrs[static_cast<std::size_t>(at(left))]);
  while (left >= -n && std::abs(grad[static_cast<std::size_t>(at(r))] - grad[static_cast<std::size_t>(at(left))]) > thresh) {
    lr = static_cast<float>(lrs[static_cast<std::size_t>(at(left))]);
    --r;
    --left;
  }
  return lr * adjust_value;
}

double suggest_minimum(const std::vector<double>& lrs, const std::vector<double>& losses) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < losses.size(); ++i)
    if (static_cast<float>(losses[i]) < static_cast<float>(losses[best])) best = i;
  return static_cast<float>(lrs[best]) / 10.0;
}

double suggest_steep(const std::vector<double>& lrs, const std::vector<double>& losses) {
  std::size_t best = 0;
  float best_grad = std::numeric_limits<float>::infinity();
  for (std::size_t i = 0; i + 1 < losses.size(); ++i) {
    const float g = (static_cast<float>(losses[i + 1]) - static_cast<float>(losses[i])) /
                    (std::log(static_cast<float>(lrs[i + 1])) - std::log(static_cast<float>(lrs[i])));
    if (g < best_grad) {
      best_grad = g;
      best = i;
    }
  }
  return static_cast<float>(lrs[best]);
}

}  // namespace strata
