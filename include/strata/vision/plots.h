#pragma once
/// fastai's Recorder plots as PNG files: plot_loss, plot_lr_find, plot_sched.

#include <filesystem>
#include <string>
#include <vector>

namespace strata {

class Recorder;

/// One line of a plot.
struct Series {
  std::string label;
  std::vector<double> x, y;
};

/// A line plot with axes, tick values and a legend; `log_x` uses a base-10 x axis.
void write_line_plot(const std::filesystem::path& path, const std::vector<Series>& series, const std::string& x_label,
                     const std::string& y_label, bool log_x = false);

/// fastai recorder.plot_loss(skip_start=5, with_valid=True): smoothed training loss per batch and
/// validation loss at the end of each epoch.
void plot_loss(const Recorder& recorder, const std::filesystem::path& path, int skip_start = 5, bool with_valid = true);
/// fastai recorder.plot_lr_find(skip_end=5): loss against a log-scale learning rate.
void plot_lr_find(const Recorder& recorder, const std::filesystem::path& path, int skip_end = 5);
/// fastai recorder.plot_sched(): each scheduled hyper-parameter over the training batches.
void plot_sched(const Recorder& recorder, const std::filesystem::path& path);

}  // namespace strata
