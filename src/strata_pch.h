// Precompiled header for strata's own translation units: the heavy, stable third-party headers.
#pragma once
#include <torch/torch.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
