#include "strata/vision/plots.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "strata/core/error.h"
#include "strata/learner/recorder.h"
#include "strata/vision/image_io.h"

namespace strata {

void plot_loss(const Recorder& r, const std::filesystem::path& path, int skip_start, bool with_valid) {
  Series train{"train", {}, {}};
  for (std::size_t i = static_cast<std::size_t>(std::max(0, skip_start)); i < r.losses.size(); ++i) {
    train.x.push_back(static_cast<double>(i));
    train.y.push_back(r.losses[i]);
  }
  std::vector<Series> all{train};
  if (with_valid) {
    Series valid{"valid", {}, {}};
    for (std::size_t e = 0; e < r.values.size() && e < r.iters.size(); ++e)
      if (r.values[e].size() > 1 && r.values[e][1]) {
        valid.x.push_back(static_cast<double>(r.iters[e]));
        valid.y.push_back(*r.values[e][1]);
      }
    if (!valid.x.empty()) all.push_back(valid);
  }
  write_line_plot(path, all, "batches", "loss");
}

void plot_lr_find(const Recorder& r, const std::filesystem::path& path, int skip_end) {
  const std::size_t n = r.lrs.size() > static_cast<std::size_t>(skip_end) ? r.lrs.size() - static_cast<std::size_t>(skip_end) : 0;
  STRATA_CHECK(n > 1, "plot_lr_find: run lr_find first");
  write_line_plot(path, {{"loss", {r.lrs.begin(), r.lrs.begin() + static_cast<std::ptrdiff_t>(n)},
                          {r.losses.begin(), r.losses.begin() + static_cast<std::ptrdiff_t>(n)}}},
                  "learning rate", "loss", /*log_x=*/true);
}

void plot_sched(const Recorder& r, const std::filesystem::path& path) {
  STRATA_CHECK(!r.hps.empty(), "plot_sched: no scheduled hyper-parameters were recorded (fit with a schedule first)");
  std::vector<Series> all;
  for (const auto& [name, values] : r.hps) {
    Series s{name, {}, values};
    // Each hyper on its own 0-1 scale so lr and mom share the axes.
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    for (std::size_t i = 0; i < values.size(); ++i) {
      s.x.push_back(static_cast<double>(i));
      s.y[i] = *hi > *lo ? (values[i] - *lo) / (*hi - *lo) : 0.5;
    }
    s.label = fmt::format("{} ({:.2g}..{:.2g})", name, *lo, *hi);
    all.push_back(s);
  }
  write_line_plot(path, all, "batches", "scaled value");
}

}  // namespace strata
