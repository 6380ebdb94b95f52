#pragma once
/// fastai's annealing functions and schedule combinators (fastai/callback/schedule.py).

#include <functional>
#include <vector>

namespace strata {

/// A schedule maps the training position pos in [0, 1] to one value per parameter group.
using Schedule = std::function<std::vector<double>(double pos)>;

/// start + pos * (end - start), per group.
Schedule SchedLin(std::vector<double> start, std::vector<double> end);
/// start + (1 + cos(pi * (1 - pos))) * (end - start) / 2, per group.
Schedule SchedCos(std::vector<double> start, std::vector<double> end);
/// start, whatever pos.
Schedule SchedNo(std::vector<double> start, std::vector<double> end);
/// start * (end / start)^pos.
Schedule SchedExp(std::vector<double> start, std::vector<double> end);
/// start + (end - start) * pos^power.
Schedule SchedPoly(std::vector<double> start, std::vector<double> end, double power);

/// fastai combine_scheds(pcts, scheds): phase i covers a fraction pcts[i] of training (they sum to
/// 1). Phase boundaries and the position inside a phase are computed in float32, as fastai does.
Schedule combine_scheds(std::vector<double> pcts, std::vector<Schedule> scheds);

/// fastai combined_cos(pct, start, middle, end): cosine start -> middle over pct, then middle -> end.
Schedule combined_cos(double pct, std::vector<double> start, std::vector<double> middle, std::vector<double> end);

}  // namespace strata
