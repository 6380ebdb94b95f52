#include "strata/callbacks/schedule.h"

#include <cmath>

#include "strata/core/error.h"
#include "strata/learner/learner.h"

namespace strata {
namespace {

Schedule elementwise(std::vector<double> start, std::vector<double> end, std::function<double(double, double, double)> f) {
  STRATA_CHECK(start.size() == end.size() && !start.empty(), "schedule: start has {} values, end {}", start.size(),
               end.size());
  return [start = std::move(start), end = std::move(end), f = std::move(f)](double pos) {
    std::vector<double> out(start.size());
    for (std::size_t i = 0; i < start.size(); ++i) out[i] = f(start[i], end[i], pos);
    return out;
  };
}

}  // namespace

Schedule SchedLin(std::vector<double> s, std::vector<double> e) {
  return elementwise(std::move(s), std::move(e), [](double a, double b, double pos) { return a + pos * (b - a); });
}

Schedule SchedCos(std::vector<double> s, std::vector<double> e) {
  return elementwise(std::move(s), std::move(e), [](double a, double b, double pos) {
    return a + (1 + std::cos(M_PI * (1 - pos))) * (b - a) / 2;
  });
}

Schedule SchedNo(std::vector<double> s, std::vector<double> e) {
  return elementwise(std::move(s), std::move(e), [](double a, double, double) { return a; });
}

Schedule SchedExp(std::vector<double> s, std::vector<double> e) {
  return elementwise(std::move(s), std::move(e), [](double a, double b, double pos) { return a * std::pow(b / a, pos); });
}

Schedule SchedPoly(std::vector<double> s, std::vector<double> e, double power) {
  return elementwise(std::move(s), std::move(e),
                     [power](double a, double b, double pos) { return a + (b - a) * std::pow(pos, power); });
}

Schedule combine_scheds(std::vector<double> pcts, std::vector<Schedule> scheds) {
  STRATA_CHECK(!pcts.empty() && pcts.size() == scheds.size(), "combine_scheds: {} fractions for {} schedules",
               pcts.size(), scheds.size());
  double total = 0;
  for (double p : pcts) {
    STRATA_CHECK(p >= 0, "combine_scheds: negative fraction {}", p);
    total += p;
  }
  STRATA_CHECK(std::abs(total - 1.0) < 1e-4, "combine_scheds: fractions sum to {}, not 1", total);
  // fastai: pcts = tensor([0] + L(pcts)); pcts = torch.cumsum(pcts, 0)  -> float32 boundaries.
  std::vector<float> bounds{0.0f};
  for (double p : pcts) bounds.push_back(bounds.back() + static_cast<float>(p));
  return [bounds, scheds = std::move(scheds)](double pos) {
    if (static_cast<int>(pos) == 1) return scheds.back()(1.0);
    const float fpos = static_cast<float>(pos);
    std::size_t idx = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i)
      if (fpos >= bounds[i]) idx = i;
    idx = std::min(idx, bounds.size() - 2);
    const float actual = (fpos - bounds[idx]) / (bounds[idx + 1] - bounds[idx]);
    return scheds[idx](static_cast<double>(actual));
  };
}

Schedule combined_cos(double pct, std::vector<double> start, std::vector<double> middle, std::vector<double> end) {
  return combine_scheds({pct, 1 - pct}, {SchedCos(start, middle), SchedCos(middle, end)});
}

// ---- ParamScheduler ----

void ParamScheduler::before_fit(Learner&) { hps_.clear(); }

void ParamScheduler::before_batch(Learner& l) {
  for (const auto& [name, sched] : scheds_) l.opt().set_hyper(name, HyperValue(sched(l.pct_train)));
}

void ParamScheduler::after_batch(Learner& l) {
  for (const auto& [name, sched] : scheds_) hps_[name].push_back(l.opt().hypers().back().at(name));
}

void ParamScheduler::after_fit(Learner& l) { l.recorder().hps = hps_; }

}  // namespace strata
