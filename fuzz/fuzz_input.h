#pragma once
// What every fuzz target shares: the input as a file (the readers take paths), and the rule that
// a bad input may only end in a strata::Error (or LibTorch's c10::Error from its zip reader), never
// in a crash, a sanitizer report or another exception.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include <c10/util/Exception.h>
#include <unistd.h>

#include "strata/core/error.h"

namespace strata_fuzz {

inline const std::filesystem::path& input_file() {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("strata_fuzz_" + std::to_string(::getpid()) + ".bin");
  return path;
}

inline const std::filesystem::path& write_input(const std::uint8_t* data, std::size_t size) {
  std::ofstream(input_file(), std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                        static_cast<std::streamsize>(size));
  return input_file();
}

template <typename Body>
int expect_only_clean_errors(Body&& body) {
  try {
    body();
  } catch (const strata::Error&) {
  } catch (const c10::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception type: %s\n", e.what());
    std::abort();
  }
  return 0;
}

}  // namespace strata_fuzz
