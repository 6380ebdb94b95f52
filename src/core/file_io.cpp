#include "strata/core/file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include <fcntl.h>
#include <unistd.h>

#include "strata/core/error.h"

namespace strata {
namespace fs = std::filesystem;

std::vector<std::uint8_t> read_file_bytes(const fs::path& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  STRATA_CHECK_IO(fs::exists(status), "'{}' does not exist", path.string());
  STRATA_CHECK_IO(!fs::is_directory(status), "'{}' is a folder, not a file", path.string());
  std::FILE* file = std::fopen(path.c_str(), "rb");
  STRATA_CHECK_IO(file != nullptr, "'{}' cannot be opened: {}", path.string(), std::strerror(errno));
  std::vector<std::uint8_t> bytes;
  std::uint8_t chunk[1 << 16];
  std::size_t got = 0;
  while ((got = std::fread(chunk, 1, sizeof(chunk), file)) > 0) bytes.insert(bytes.end(), chunk, chunk + got);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  STRATA_CHECK_IO(!failed, "'{}' could not be read completely", path.string());
  return bytes;
}

void write_file_atomic(const fs::path& path, const void* data, std::size_t size) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  std::random_device entropy;
  const fs::path tmp = path.string() + ".tmp" + std::to_string(entropy() % 1000000) + "." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  STRATA_CHECK_IO(fd >= 0, "cannot write '{}': {}", path.string(), std::strerror(errno));
  const auto* bytes = static_cast<const char*>(data);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, bytes + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      STRATA_FAIL(IOError, "cannot write '{}': {}", path.string(), std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    STRATA_FAIL(IOError, "cannot write '{}': {}", path.string(), std::strerror(err));
  }
}

}  // namespace strata
