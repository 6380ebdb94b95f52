#include "strata/learner/progress.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <unistd.h>

#include "strata/learner/learner.h"
#include "strata/learner/recorder.h"

namespace strata {

void ProgressCallback::before_fit(Learner& l) {
  in_fit_ = true;
  if (!l.logging) return;
  const auto header = l.recorder().metric_names;
  *l.out << format_table_header(header) << "\n" << std::flush;
  l.logger = [&l, header](const std::vector<std::string>& cells) {
    *l.out << format_table_row(cells, header) << "\n" << std::flush;
  };
}

std::string progress_bar(std::size_t done, std::size_t total, int width) {
  const auto w = static_cast<std::size_t>(width);
  const std::size_t filled = total == 0 ? w : std::min(w, done * w / total);
  return fmt::format("|{}{}| {}/{}", std::string(filled, '#'), std::string(w - filled, '-'), done, total);
}

void ProgressCallback::start_bar(Learner& l) {
  const bool tty = live_bar_ ? *live_bar_ : (l.out == &std::cout && ::isatty(STDOUT_FILENO));
  bar_ = tty && l.logging;
  last_draw_ = {};
}

void ProgressCallback::after_batch(Learner& l) {
  if (!bar_ || l.n_iter == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (l.iter + 1 < l.n_iter && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const std::string phase =
      in_fit_ ? fmt::format("{} {}/{}", l.training ? "train" : "valid", l.epoch + 1, l.n_epoch) : "predict";
  const auto done = static_cast<std::size_t>(l.iter + 1), total = static_cast<std::size_t>(l.n_iter);
  *l.out << fmt::format("\r{} {}", phase, progress_bar(done, total))
         << (l.training ? fmt::format(" {:.4f}", l.smooth_loss()) : std::string()) << std::flush;
}

void ProgressCallback::end_bar(Learner& l) {
  if (bar_) *l.out << "\r" << std::string(80, ' ') << "\r" << std::flush;
  bar_ = false;
}

}  // namespace strata
