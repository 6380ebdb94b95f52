#pragma once
// Small timing helpers shared by the benchmarks.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace strata_bench {

/// Median wall time in seconds of `runs` calls of `fn` (after one warm-up call when warm_up).
inline double median_seconds(int runs, const std::function<void()>& fn, bool warm_up = true) {
  if (warm_up) fn();
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

/// Runs a shell command and returns its standard output; throws when it fails.
inline std::string shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run: " + command);
  std::string out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  if (pclose(pipe) != 0) throw std::runtime_error("command failed: " + command);
  return out;
}

}  // namespace strata_bench
