#include "strata/core/logging.h"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace strata {
namespace {

std::mutex logger_mutex;
std::shared_ptr<spdlog::logger> current_logger;

std::shared_ptr<spdlog::logger> make_default_logger() {
  // Not registered in spdlog's global registry: an app's own "strata" logger must not clash.
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto made = std::make_shared<spdlog::logger>("strata", std::move(sink));
  made->set_pattern("[%H:%M:%S] [strata] [%^%l%$] %v");
  return made;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger() {
  std::lock_guard<std::mutex> lock(logger_mutex);
  if (!current_logger) current_logger = make_default_logger();
  return current_logger;
}

void set_logger(std::shared_ptr<spdlog::logger> replacement) {
  std::lock_guard<std::mutex> lock(logger_mutex);
  current_logger = std::move(replacement);
}

}  // namespace strata
