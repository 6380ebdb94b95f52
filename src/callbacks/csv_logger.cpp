#include "strata/callbacks/csv_logger.h"

#include <filesystem>
#include <fstream>

#include "strata/core/error.h"
#include "strata/learner/learner.h"

namespace strata {

CSVLogger::CSVLogger(std::string fname, bool append) : fname_(std::move(fname)), append_(append) {}

void CSVLogger::before_fit(Learner& l) {
  file_ = (l.options().path() / fname_).string();
  if (!l.is_main_process()) return;  // rank 0 writes the file
  const bool header = !append_ || !std::filesystem::exists(file_);
  std::ofstream out(file_, append_ ? std::ios::app : std::ios::trunc);
  STRATA_CHECK_IO(static_cast<bool>(out), "CSVLogger: cannot write '{}'", file_);
  if (header) {
    // fastai's columns without "time": the file is for analysis, not for reading progress.
    const auto& names = l.recorder().metric_names;
    for (std::size_t i = 0; i + 1 < names.size(); ++i) out << (i ? "," : "") << names[i];
    out << "\n";
  }
}

void CSVLogger::after_epoch(Learner& l) {
  if (!l.is_main_process()) return;
  std::ofstream out(file_, std::ios::app);
  STRATA_CHECK_IO(static_cast<bool>(out), "CSVLogger: cannot write '{}'", file_);
  out << l.epoch;
  for (const auto& v : l.recorder().final_record()) out << "," << (v ? fmt::format("{:.6f}", *v) : std::string());
  out << "\n";
}

}  // namespace strata
