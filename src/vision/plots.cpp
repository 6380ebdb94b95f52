#include "strata/vision/plots.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

#include "opencv_tensor.h"
#include "strata/core/error.h"
#include "strata/learner/recorder.h"
#include "strata/vision/image_io.h"

namespace strata {
namespace {

const cv::Scalar kColors[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189}};

}  // namespace

void write_line_plot(const std::filesystem::path& path, const std::vector<Series>& series, const std::string& x_label,
                     const std::string& y_label, bool log_x) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  auto fx = [log_x](double x) { return log_x ? std::log10(x) : x; };
  for (const auto& s : series) {
    STRATA_CHECK(s.x.size() == s.y.size(), "write_line_plot: '{}' has {} x and {} y values", s.label, s.x.size(), s.y.size());
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || (log_x && s.x[i] <= 0)) continue;
      x0 = std::min(x0, fx(s.x[i])), x1 = std::max(x1, fx(s.x[i]));
      y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
    }
  }
  STRATA_CHECK(std::isfinite(x0) && std::isfinite(y0), "write_line_plot: nothing to plot for '{}'", path.string());
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  const int w = 640, h = 420, left = 70, right = 20, top = 20, bottom = 50;
  cv::Mat img(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  auto px = [&](double x) { return left + static_cast<int>((x - x0) / (x1 - x0) * (w - left - right)); };
  auto py = [&](double y) { return h - bottom - static_cast<int>((y - y0) / (y1 - y0) * (h - top - bottom)); };
  cv::rectangle(img, {left, top}, {w - right, h - bottom}, cv::Scalar(0, 0, 0));
  for (int t = 0; t <= 4; ++t) {
    const double xv = x0 + (x1 - x0) * t / 4, yv = y0 + (y1 - y0) * t / 4;
    const std::string xt = log_x ? fmt::format("1e{:.1f}", xv) : fmt::format("{:.3g}", xv);
    cv::putText(img, xt, {px(xv) - 18, h - bottom + 16}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    cv::putText(img, fmt::format("{:.3g}", yv), {4, py(yv) + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 1,
                cv::LINE_AA);
  }
  cv::putText(img, x_label, {w / 2 - 30, h - 12}, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  cv::putText(img, y_label, {4, 14}, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    std::vector<cv::Point> pts;
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i]) && !(log_x && s.x[i] <= 0)) pts.emplace_back(px(fx(s.x[i])), py(s.y[i]));
    const cv::Scalar color = kColors[k % 5];
    if (pts.size() == 1) cv::circle(img, pts[0], 3, color, cv::FILLED);
    else cv::polylines(img, pts, false, color, 2, cv::LINE_AA);
    cv::line(img, {w - 150, top + 14 + 18 * static_cast<int>(k)}, {w - 130, top + 14 + 18 * static_cast<int>(k)}, color, 2);
    cv::putText(img, s.label, {w - 125, top + 18 + 18 * static_cast<int>(k)}, cv::FONT_HERSHEY_SIMPLEX, 0.45,
                cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
  // Drawn in RGB order (kColors are RGB), written as an RGB Image.
  write_image(path, Value(Kind::Image, detail::tensor_from_mat(img)));
}

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
