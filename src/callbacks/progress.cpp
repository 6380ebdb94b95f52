#include "strata/callbacks/progress.h"

#include <cstdio>
#include <iostream>

#include <unistd.h>

#include "strata/learner/learner.h"
#include "strata/learner/recorder.h"

namespace strata {

void ProgressCallback::before_fit(Learner& l) {
  tty_ = l.out == &std::cout && ::isatty(STDOUT_FILENO);
  if (!l.logging) return;
  const auto header = l.recorder().metric_names;
  *l.out << format_table_header(header) << "\n" << std::flush;
  l.logger = [&l, header](const std::vector<std::string>& cells) {
    *l.out << format_table_row(cells, header) << "\n" << std::flush;
  };
}

void ProgressCallback::start_bar(Learner& l) { bar_ = tty_ && l.logging; }

void ProgressCallback::after_batch(Learner& l) {
  if (!bar_ || l.n_iter == 0) return;
  const int width = 40;
  const int done = (l.iter + 1) * width / l.n_iter;
  std::string bar(static_cast<std::size_t>(done), '#');
  bar += std::string(static_cast<std::size_t>(width - done), '-');
  *l.out << fmt::format("\r{} {}/{} |{}| {}/{}", l.training ? "train" : "valid", l.epoch + 1, l.n_epoch, bar,
                        l.iter + 1, l.n_iter)
         << (l.training ? fmt::format(" {:.4f}", l.smooth_loss) : std::string()) << std::flush;
}

void ProgressCallback::end_bar(Learner& l) {
  if (bar_) *l.out << "\r" << std::string(80, ' ') << "\r" << std::flush;
  bar_ = false;
}

}  // namespace strata
