// Built with STRATA_WITH_OPENCV=OFF: no text rendering, so no plots or image grids.
#include "strata/core/error.h"
#include "strata/vision/interpret.h"
#include "strata/vision/plots.h"
#include "strata/vision/show.h"

namespace strata {
namespace {

[[noreturn]] void no_drawing(const char* what, const std::filesystem::path& path) {
  STRATA_FAIL(Error, "{}: cannot write '{}': this strata was built without OpenCV (STRATA_WITH_OPENCV=OFF), "
                     "which draws plots and image grids", what, path.string());
}

}  // namespace

void write_line_plot(const std::filesystem::path& path, const std::vector<Series>& /*series*/,
                     const std::string& /*x_label*/, const std::string& /*y_label*/, bool /*log_x*/) {
  no_drawing("write_line_plot", path);
}

void write_grid(const std::filesystem::path& path, const std::vector<GridCell>& /*cells*/, int /*ncols*/,
                int /*min_height*/) {
  no_drawing("write_grid", path);
}

void ClassificationInterpretation::plot_confusion_matrix(const std::filesystem::path& path) const {
  no_drawing("plot_confusion_matrix", path);
}

}  // namespace strata
