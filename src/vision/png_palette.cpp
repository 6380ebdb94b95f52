#include "png_palette.h"

#include <cstdlib>
#include <cstring>

#include <ATen/ATen.h>
#include <zlib.h>

#include "strata/core/error.h"

namespace strata::detail {
namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

}  // namespace

std::optional<at::Tensor> png_palette_indices(const std::vector<std::uint8_t>& b, const std::string& name) {
  static const std::uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (b.size() < 33 || std::memcmp(b.data(), sig, 8) != 0) return std::nullopt;
  if (std::memcmp(&b[12], "IHDR", 4) != 0 || b[25] != 3) return std::nullopt;  // not a palette PNG
  const std::uint32_t width = be32(&b[16]), height = be32(&b[20]);
  const int depth = b[24];
  STRATA_CHECK_IO(b[28] == 0, "read_mask: '{}' is an interlaced palette PNG; save it without interlacing", name);
  STRATA_CHECK_IO(depth == 1 || depth == 2 || depth == 4 || depth == 8,
                  "read_mask: '{}' has a palette bit depth of {}", name, depth);
  STRATA_CHECK_IO(width > 0 && height > 0 && static_cast<std::uint64_t>(width) * height <= 178956970ULL,
                  "read_mask: '{}' has a bad size {}x{}", name, width, height);
  std::vector<std::uint8_t> compressed;
  for (std::size_t pos = 8; pos + 12 <= b.size();) {
    const std::uint32_t len = be32(&b[pos]);
    STRATA_CHECK_IO(len <= b.size() - pos - 12, "read_mask: '{}' is a truncated PNG", name);
    if (std::memcmp(&b[pos + 4], "IDAT", 4) == 0) compressed.insert(compressed.end(), &b[pos + 8], &b[pos + 8 + len]);
    if (std::memcmp(&b[pos + 4], "IEND", 4) == 0) break;
    pos += 12 + len;
  }
  const std::size_t stride = (static_cast<std::size_t>(width) * static_cast<std::size_t>(depth) + 7) / 8;
  std::vector<std::uint8_t> raw((stride + 1) * height);
  uLongf raw_size = static_cast<uLongf>(raw.size());
  STRATA_CHECK_IO(!compressed.empty() && uncompress(raw.data(), &raw_size, compressed.data(),
                                                    static_cast<uLong>(compressed.size())) == Z_OK &&
                      raw_size == raw.size(),
                  "read_mask: '{}' is a corrupt or truncated PNG", name);
  // Undo the per-row filters (bytes per pixel is 1 for palettes).
  std::vector<std::uint8_t> prev(stride, 0), row(stride);
  at::Tensor out = at::empty({static_cast<std::int64_t>(height), static_cast<std::int64_t>(width)}, at::kByte);
  auto* dst = out.data_ptr<std::uint8_t>();
  for (std::uint32_t y = 0; y < height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* src = &raw[y * (stride + 1) + 1];
    STRATA_CHECK_IO(filter <= 4, "read_mask: '{}' has an unknown PNG row filter {}", name, filter);
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x ? row[x - 1] : 0, up = prev[x], c = x ? prev[x - 1] : 0;
      int v = src[x];
      if (filter == 1) v += a;
      else if (filter == 2) v += up;
      else if (filter == 3) v += (a + up) / 2;
      else if (filter == 4) v += paeth(a, up, c);
      row[x] = static_cast<std::uint8_t>(v);
    }
    for (std::uint32_t x = 0; x < width; ++x) {
      const std::size_t bit = static_cast<std::size_t>(x) * static_cast<std::size_t>(depth);
      dst[static_cast<std::size_t>(y) * width + x] =
          static_cast<std::uint8_t>((row[bit / 8] >> (8 - depth - bit % 8)) & ((1 << depth) - 1));
    }
    std::swap(prev, row);
  }
  return out;
}

}  // namespace strata::detail
