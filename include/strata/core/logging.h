#pragma once
/// strata's one replaceable logger (spdlog, named "strata").

#include <memory>

namespace spdlog {
class logger;
}

namespace strata {

/// The logger every strata component writes to. Created on first use (stderr, colour when a TTY).
std::shared_ptr<spdlog::logger> logger();

/// Replaces the logger (e.g. with a file sink or a null sink); nullptr restores the default one.
void set_logger(std::shared_ptr<spdlog::logger> replacement);

}  // namespace strata
