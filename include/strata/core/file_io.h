#pragma once
/// Whole-file reads and crash-safe writes, shared by image, weight and checkpoint IO.

#include <cstdint>
#include <filesystem>
#include <vector>

namespace strata {

/// The whole file as bytes. IOError naming the file when it is missing, a folder or unreadable.
std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path);

/// Writes `size` bytes to `path` atomically: a temporary file in the same folder is written,
/// flushed and renamed over `path`, so a crash leaves either the old file or the new one.
/// Creates missing parent folders. IOError naming the file on failure (the old file is kept).
void write_file_atomic(const std::filesystem::path& path, const void* data, std::size_t size);

inline void write_file_atomic(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace strata
