#include "strata/data/idx.h"

#include <cstring>
#include <vector>

#include <ATen/ATen.h>
#include <zlib.h>

#include "strata/core/error.h"

namespace strata {

at::Tensor read_idx(const std::filesystem::path& path) {
  STRATA_CHECK_IO(std::filesystem::exists(path), "read_idx: '{}' does not exist", path.string());
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files too
  STRATA_CHECK_IO(f != nullptr, "read_idx: '{}' cannot be opened", path.string());
  std::vector<std::uint8_t> bytes;
  std::uint8_t buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  const bool failed = n < 0;
  gzclose(f);
  STRATA_CHECK_IO(!failed, "read_idx: '{}' is corrupt (decompression failed)", path.string());
  STRATA_CHECK_IO(bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0,
                  "read_idx: '{}' is not an idx file (bad magic number)", path.string());
  STRATA_CHECK_IO(bytes[2] == 0x08, "read_idx: '{}' holds type 0x{:02x}; only unsigned bytes (0x08) are supported",
                  path.string(), bytes[2]);
  const int ndim = bytes[3];
  STRATA_CHECK_IO(ndim >= 1 && bytes.size() >= 4 + 4 * static_cast<std::size_t>(ndim),
                  "read_idx: '{}' ends inside its header", path.string());
  std::vector<std::int64_t> shape;
  std::uint64_t numel = 1;
  for (int d = 0; d < ndim; ++d) {
    const std::uint8_t* p = &bytes[4 + 4 * static_cast<std::size_t>(d)];
    const std::uint32_t s = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    shape.push_back(s);
    numel *= s;
    STRATA_CHECK_IO(numel <= bytes.size(), "read_idx: '{}' declares shape {} but holds only {} bytes", path.string(),
                    shape_str(shape), bytes.size());
  }
  const std::size_t offset = 4 + 4 * static_cast<std::size_t>(ndim);
  STRATA_CHECK_IO(bytes.size() - offset == numel, "read_idx: '{}' declares shape {} ({} values) but holds {}",
                  path.string(), shape_str(shape), numel, bytes.size() - offset);
  at::Tensor out = at::empty(shape, at::kByte);
  if (numel) std::memcpy(out.data_ptr(), bytes.data() + offset, numel);
  return out;
}

}  // namespace strata
