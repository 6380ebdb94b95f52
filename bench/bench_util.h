#pragma once
// Small timing helpers shared by the benchmarks.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
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

/// Python lines that run `statement` once to warm up, then `runs` times, and print the median
/// seconds (the best with `best`), followed by `extra`, a Python expression, when given.
inline std::string python_timing(const std::string& statement, int runs, const std::string& extra = "",
                                 bool best = false) {
  return statement + "\n"
         "ts = []\n"
         "for _ in range(" + std::to_string(runs) + "):\n"
         "    t = time.perf_counter(); " + statement + "; ts.append(time.perf_counter() - t)\n"
         "print(" + std::string(best ? "min(ts)" : "sorted(ts)[len(ts) // 2]") + (extra.empty() ? "" : ", " + extra) + ")\n";
}

/// Writes `script` to a temporary file `name` and runs it with Debian's /usr/bin/python3 (the
/// python3-torch baseline), with `env` ("NAME=value ...") added to its environment; returns its
/// standard output.
inline std::string run_python(const std::string& script, const std::string& name, const std::string& env = "") {
  const auto file = std::filesystem::temp_directory_path() / name;
  std::ofstream(file) << script;
  return shell((env.empty() ? "" : "env " + env + " ") + "/usr/bin/python3 " + file.string());
}

}  // namespace strata_bench
