#pragma once
/// SHA-256 (FIPS 180-4), for checking downloaded weight files the way torch.hub does.

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

namespace strata {

/// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  /// The lowercase hex digest; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_ = 0;
};

/// The hex SHA-256 of a file's contents; IOError naming the file when unreadable.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace strata
