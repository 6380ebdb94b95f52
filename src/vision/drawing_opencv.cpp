// The drawing primitives behind plots, show_batch and the interpretation plots (built with
// OpenCV: STRATA_WITH_OPENCV, the default).
#include <algorithm>
#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include "opencv_tensor.h"
#include "strata/core/error.h"
#include "strata/vision/image_io.h"
#include "strata/vision/interpret.h"
#include "strata/vision/plots.h"
#include "strata/vision/show.h"

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

void write_grid(const std::filesystem::path& path, const std::vector<GridCell>& cells, int ncols, int min_height) {
  STRATA_CHECK(!cells.empty(), "write_grid: no images for '{}'", path.string());
  const int n = static_cast<int>(cells.size());
  const int rows = ncols > 0 ? (n + ncols - 1) / ncols : std::max(1, static_cast<int>(std::sqrt(n)));
  const int cols = ncols > 0 ? ncols : (n + rows - 1) / rows;
  std::vector<cv::Mat> tiles;
  int tile_w = 0, tile_h = 0;
  const int title_h = 22, pad = 6;
  for (const auto& c : cells) {
    at::Tensor img = c.image.to(at::kCPU).contiguous();
    STRATA_CHECK(img.dim() == 3 && img.size(2) == 3 && img.scalar_type() == at::kByte,
                 "write_grid: cells must be uint8 [H, W, 3] images, got {}", shape_str(img.sizes()));
    cv::Mat m = detail::mat_view(img).clone();
    if (m.rows < min_height) {
      const double s = std::ceil(static_cast<double>(min_height) / m.rows);
      cv::resize(m, m, cv::Size(), s, s, cv::INTER_NEAREST);
    }
    tile_w = std::max(tile_w, m.cols);
    tile_h = std::max(tile_h, m.rows);
    tiles.push_back(m);
  }
  cv::Mat canvas(rows * (tile_h + title_h + pad) + pad, cols * (tile_w + pad) + pad, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int i = 0; i < n; ++i) {
    const int x = pad + (i % cols) * (tile_w + pad), y = pad + (i / cols) * (tile_h + title_h + pad);
    const auto& color = cells[static_cast<std::size_t>(i)].title_color;
    cv::putText(canvas, cells[static_cast<std::size_t>(i)].title, cv::Point(x, y + 16), cv::FONT_HERSHEY_SIMPLEX, 0.5,
                cv::Scalar(color[0], color[1], color[2]), 1, cv::LINE_AA);
    tiles[static_cast<std::size_t>(i)].copyTo(canvas(cv::Rect(x, y + title_h, tiles[static_cast<std::size_t>(i)].cols,
                                                              tiles[static_cast<std::size_t>(i)].rows)));
  }
  write_image(path, Value(Kind::Image, detail::tensor_from_mat(canvas)));
}

void ClassificationInterpretation::plot_confusion_matrix(const std::filesystem::path& path) const {
  const at::Tensor cm = confusion_matrix();
  const int c = static_cast<int>(cm.size(0));
  const int cell = std::max(36, 360 / std::max(c, 1)), margin = 130;
  cv::Mat canvas(margin + c * cell + 20, margin + c * cell + 20, CV_8UC3, cv::Scalar(255, 255, 255));
  const double top = std::max<std::int64_t>(1, cm.max().item<std::int64_t>());
  for (int i = 0; i < c; ++i) {
    for (int j = 0; j < c; ++j) {
      const std::int64_t n = cm[i][j].item<std::int64_t>();
      const double t = static_cast<double>(n) / top;  // white -> dark blue (matplotlib's Blues)
      const cv::Scalar color(255 - 148 * t, 255 - 207 * t, 255 - 247 * t);
      const cv::Rect r(margin + j * cell, margin + i * cell, cell, cell);
      cv::rectangle(canvas, r, color, cv::FILLED);
      cv::rectangle(canvas, r, cv::Scalar(200, 200, 200), 1);
      cv::putText(canvas, std::to_string(n), cv::Point(r.x + cell / 3, r.y + cell / 2 + 5), cv::FONT_HERSHEY_SIMPLEX,
                  0.45, t > 0.5 ? cv::Scalar(255, 255, 255) : cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    }
    const std::string name = class_name(i).substr(0, 16);
    cv::putText(canvas, name, cv::Point(4, margin + i * cell + cell / 2 + 5), cv::FONT_HERSHEY_SIMPLEX, 0.4,
                cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    cv::Mat label(20, 126, CV_8UC3, cv::Scalar(255, 255, 255));  // column names, rotated upwards
    cv::putText(label, name, cv::Point(2, 14), cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
    label.copyTo(canvas(cv::Rect(margin + i * cell + (cell - 20) / 2, 2, label.cols, label.rows)));
  }
  cv::putText(canvas, "Predicted", cv::Point(margin, canvas.rows - 4), cv::FONT_HERSHEY_SIMPLEX, 0.45,
              cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  cv::putText(canvas, "Actual", cv::Point(4, margin - 8), cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(0, 0, 0), 1,
              cv::LINE_AA);
  cv::Mat rgb;
  cv::cvtColor(canvas, rgb, cv::COLOR_BGR2RGB);
  write_image(path, Value(Kind::Image, detail::tensor_from_mat(rgb)));
}

}  // namespace strata
