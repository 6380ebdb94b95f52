#include "pil_resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "strata/core/error.h"

#if defined(__x86_64__) && defined(__ELF__) && (defined(__clang__) ? __clang_major__ >= 14 : defined(__GNUC__))
#define STRATA_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define STRATA_SIMD_CLONES
#endif

namespace strata::detail {
namespace {

// Pillow's PRECISION_BITS for 8-bit images: 32 - 8 - 2.
constexpr int kPrecisionBits = 22;
constexpr std::int32_t kHalf = 1 << (kPrecisionBits - 1);

// For each output pixel, the first input pixel it reads, how many, and their fixed-point weights
// (Pillow's precompute_coeffs + normalize_coeffs_8bpc).
struct Weights {
  std::int64_t taps = 0;  // row length of `weights`
  std::vector<std::int64_t> first, count;
  std::vector<std::int32_t> weights;
};

Weights bilinear_weights(std::int64_t in_size, std::int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter_scale;  // the triangle filter's support is 1
  Weights w;
  w.taps = static_cast<std::int64_t>(std::ceil(support)) * 2 + 1;
  w.first.resize(static_cast<std::size_t>(out_size));
  w.count.resize(static_cast<std::size_t>(out_size));
  w.weights.assign(static_cast<std::size_t>(out_size * w.taps), 0);
  std::vector<double> k(static_cast<std::size_t>(w.taps));
  for (std::int64_t o = 0; o < out_size; ++o) {
    const double center = (static_cast<double>(o) + 0.5) * scale;
    // Pillow truncates (value + 0.5) toward zero, then clamps.
    const auto lo = std::max<std::int64_t>(static_cast<std::int64_t>(center - support + 0.5), 0);
    const auto hi = std::min<std::int64_t>(static_cast<std::int64_t>(center + support + 0.5), in_size);
    const std::int64_t n = hi - lo;
    double total = 0;
    for (std::int64_t x = 0; x < n; ++x) {
      const double t = std::fabs((static_cast<double>(x + lo) - center + 0.5) / filter_scale);
      k[static_cast<std::size_t>(x)] = t < 1.0 ? 1.0 - t : 0.0;
      total += k[static_cast<std::size_t>(x)];
    }
    std::int32_t* out = &w.weights[static_cast<std::size_t>(o * w.taps)];
    for (std::int64_t x = 0; x < n; ++x) {
      const double v = total != 0.0 ? k[static_cast<std::size_t>(x)] / total : k[static_cast<std::size_t>(x)];
      out[x] = static_cast<std::int32_t>(v * (1 << kPrecisionBits) + (v < 0 ? -0.5 : 0.5));
    }
    w.first[static_cast<std::size_t>(o)] = lo;
    w.count[static_cast<std::size_t>(o)] = n;
  }
  return w;
}

inline std::uint8_t clip8(std::int32_t v) {
  v >>= kPrecisionBits;
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// [rows][cols][C] (rows `stride` bytes apart) -> [cols][rows][C], in cache-sized tiles.
template <int C>
void transpose(const std::uint8_t* __restrict src, std::int64_t stride, std::int64_t rows, std::int64_t cols,
               std::uint8_t* __restrict dst) {
  constexpr std::int64_t kTile = 64;
  for (std::int64_t y0 = 0; y0 < rows; y0 += kTile) {
    for (std::int64_t x0 = 0; x0 < cols; x0 += kTile) {
      const std::int64_t y1 = std::min(rows, y0 + kTile), x1 = std::min(cols, x0 + kTile);
      for (std::int64_t y = y0; y < y1; ++y)
        for (std::int64_t x = x0; x < x1; ++x)
          for (int c = 0; c < C; ++c) dst[(x * rows + y) * C + c] = src[y * stride + x * C + c];
    }
  }
}

void transpose_any(const std::uint8_t* src, std::int64_t stride, std::int64_t rows, std::int64_t cols,
                   std::int64_t channels, std::uint8_t* dst) {
  switch (channels) {
    case 1: return transpose<1>(src, stride, rows, cols, dst);
    case 3: return transpose<3>(src, stride, rows, cols, dst);
    case 4: return transpose<4>(src, stride, rows, cols, dst);
    default: STRATA_FAIL(ValueError, "resize: images with {} channels are not supported", channels);
  }
}

// Rows are contiguous runs of row_len bytes, so the inner loop vectorises; an AVX2 clone is picked
// at load time where the CPU has it (8 int32 lanes with a native multiply; SSE2 has none). The
// arithmetic is integer, so every clone gives the same bytes.
STRATA_SIMD_CLONES
void vertical_pass(const std::uint8_t* src, std::int64_t stride, std::int64_t first_row, const Weights& w,
                   std::int64_t out_height, std::int64_t row_len, std::uint8_t* dst) {
  std::vector<std::int32_t> acc(static_cast<std::size_t>(row_len));
  for (std::int64_t o = 0; o < out_height; ++o) {
    std::fill(acc.begin(), acc.end(), kHalf);
    const std::int32_t* k = &w.weights[static_cast<std::size_t>(o * w.taps)];
    for (std::int64_t y = 0; y < w.count[static_cast<std::size_t>(o)]; ++y) {
      const std::uint8_t* row = src + (w.first[static_cast<std::size_t>(o)] - first_row + y) * stride;
      const std::int32_t weight = k[y];
      for (std::int64_t i = 0; i < row_len; ++i) acc[static_cast<std::size_t>(i)] += row[i] * weight;
    }
    std::uint8_t* out = dst + o * row_len;
    for (std::int64_t i = 0; i < row_len; ++i) out[i] = clip8(acc[static_cast<std::size_t>(i)]);
  }
}

}  // namespace

at::Tensor pil_resize_bilinear(const std::uint8_t* pixels, std::int64_t height, std::int64_t width,
                               std::int64_t channels, std::int64_t row_stride, std::int64_t out_height,
                               std::int64_t out_width) {
  STRATA_CHECK(height > 0 && width > 0 && out_height > 0 && out_width > 0,
               "resize: cannot resize {}x{} to {}x{}", height, width, out_height, out_width);
  at::Tensor out = at::empty({out_height, out_width, channels}, at::kByte);
  const Weights vertical = bilinear_weights(height, out_height);
  // Pillow's horizontal pass only covers the rows the vertical pass reads.
  const std::int64_t first_row = vertical.first.front();
  const std::int64_t last_row = vertical.first.back() + vertical.count.back();
  const std::uint8_t* src = pixels;
  std::int64_t src_stride = row_stride, src_first = 0;
  at::Tensor temp;
  if (out_width != width) {
    // The horizontal pass runs as a vertical one on the transposed rows: contiguous, so it
    // vectorises (filtering along a row of interleaved channels does not).
    const std::int64_t rows = last_row - first_row, column_len = rows * channels;
    std::vector<std::uint8_t> columns(static_cast<std::size_t>(width * column_len));
    std::vector<std::uint8_t> filtered(static_cast<std::size_t>(out_width * column_len));
    transpose_any(pixels + first_row * row_stride, row_stride, rows, width, channels, columns.data());
    vertical_pass(columns.data(), column_len, 0, bilinear_weights(width, out_width), out_width, column_len,
                  filtered.data());
    temp = at::empty({rows, out_width, channels}, at::kByte);
    transpose_any(filtered.data(), column_len, out_width, rows, channels, temp.data_ptr<std::uint8_t>());
    src = temp.data_ptr<std::uint8_t>();
    src_stride = out_width * channels;
    src_first = first_row;
  }
  auto* dst = out.data_ptr<std::uint8_t>();
  if (out_height != height) {
    vertical_pass(src, src_stride, src_first, vertical, out_height, out_width * channels, dst);
  } else {
    for (std::int64_t y = 0; y < out_height; ++y)
      std::copy_n(src + (y - src_first) * src_stride, out_width * channels, dst + y * out_width * channels);
  }
  return out;
}

}  // namespace strata::detail
