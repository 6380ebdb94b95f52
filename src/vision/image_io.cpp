#include "strata/vision/image_io.h"

#include <algorithm>
#include <optional>

#include "image_codecs.h"
#include "strata/core/error.h"
#include "strata/core/file_io.h"

namespace strata {
namespace {

struct Dimensions {
  std::int64_t width = 0;
  std::int64_t height = 0;
};

std::uint32_t read_be(const std::uint8_t* p, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

bool is_jpeg(const std::vector<std::uint8_t>& b) { return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }
bool is_png(const std::vector<std::uint8_t>& b) {
  static const std::uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  return b.size() >= 8 && std::equal(sig, sig + 8, b.begin());
}

// Width and height from the header alone, so a decompression bomb is refused before decoding.
std::optional<Dimensions> header_dimensions(const std::vector<std::uint8_t>& b) {
  if (is_png(b) && b.size() >= 24) return Dimensions{read_be(&b[16], 4), read_be(&b[20], 4)};
  if (is_jpeg(b)) {
    std::size_t i = 2;
    while (i + 9 < b.size()) {
      if (b[i] != 0xFF) return std::nullopt;
      const std::uint8_t marker = b[i + 1];
      if (marker == 0xFF) { ++i; continue; }
      const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof) return Dimensions{read_be(&b[i + 7], 2), read_be(&b[i + 5], 2)};
      i += 2 + read_be(&b[i + 2], 2);
    }
  }
  return std::nullopt;
}

// libjpeg only warns on a truncated scan and returns grey rows; PIL refuses such files, and so do
// we. 0xFFD9 (end of image) cannot occur inside entropy-coded data, so a complete file has one
// after its last start-of-scan (0xFFDA).
bool jpeg_is_truncated(const std::vector<std::uint8_t>& b) {
  std::size_t last_sos = 0, last_eoi = 0;
  for (std::size_t i = 0; i + 1 < b.size(); ++i) {
    if (b[i] != 0xFF) continue;
    if (b[i + 1] == 0xDA) last_sos = i;
    if (b[i + 1] == 0xD9) last_eoi = i;
  }
  return last_sos == 0 || last_eoi < last_sos;
}

void check_decodable(const std::vector<std::uint8_t>& bytes, const std::string& name, std::int64_t max_pixels) {
  STRATA_CHECK_IO(!bytes.empty(), "'{}' is not a decodable image (0 bytes)", name);
  if (auto dims = header_dimensions(bytes)) {
    STRATA_CHECK_IO(dims->width > 0 && dims->height > 0, "'{}' is not a decodable image (its header says {}x{})",
                    name, dims->width, dims->height);
    detail::check_pixel_count(name, dims->width, dims->height, max_pixels);
  }
  STRATA_CHECK_IO(!is_jpeg(bytes) || !jpeg_is_truncated(bytes), "'{}' is a truncated JPEG ({} bytes, no end marker)",
                  name, bytes.size());
}

at::Tensor decode_any(const std::vector<std::uint8_t>& bytes, const std::string& name, detail::DecodeTarget target,
                      std::int64_t max_pixels, int reduce = 1) {
  check_decodable(bytes, name, max_pixels);
  if (is_jpeg(bytes)) return detail::jpeg_decode(bytes, name, target, max_pixels, reduce);
  if (is_png(bytes)) return detail::png_decode(bytes, name, target, max_pixels);
  return detail::decode_other_format(bytes, name, target);
}

}  // namespace

namespace detail {

void check_pixel_count(const std::string& name, std::int64_t width, std::int64_t height, std::int64_t max_pixels) {
  // Headers hold up to 2^32 - 1 per side: the product overflows int64 (not uint64), the quotient
  // never does.
  STRATA_CHECK_IO(height <= 0 || width <= max_pixels / height,
                  "'{}' is {}x{} = {} pixels, above the limit of {} (ReadImageOptions::max_pixels); "
                  "refused as a possible decompression bomb",
                  name, width, height, static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height),
                  max_pixels);
}

}  // namespace detail

Value decode_image(const std::vector<std::uint8_t>& bytes, const std::string& name, const ReadImageOptions& options) {
  STRATA_CHECK(options.reduce == 1 || options.reduce == 2 || options.reduce == 4 || options.reduce == 8,
               "read_image: reduce must be 1, 2, 4 or 8, got {}", options.reduce);
  int factor = options.reduce;
  if (factor == 1 && options.min_size > 0 && is_jpeg(bytes)) {
    if (auto dims = header_dimensions(bytes)) {
      const std::int64_t shorter = std::min(dims->width, dims->height);
      for (int r : {8, 4, 2})
        if (shorter / r >= options.min_size) {
          factor = r;
          break;
        }
    }
  }
  return Value(Kind::Image, decode_any(bytes, name, detail::DecodeTarget::rgb, options.max_pixels, factor));
}

Value read_image(const std::filesystem::path& path, const ReadImageOptions& options) {
  return decode_image(read_file_bytes(path), path.string(), options);
}

Value read_mask(const std::filesystem::path& path) {
  return Value(Kind::Mask, decode_any(read_file_bytes(path), path.string(), detail::DecodeTarget::mask,
                                      ReadImageOptions{}.max_pixels));
}

void write_image(const std::filesystem::path& path, const Value& image, int jpeg_quality) {
  STRATA_CHECK(jpeg_quality >= 0 && jpeg_quality <= 100, "write_image: jpeg_quality must be 0-100, got {}", jpeg_quality);
  STRATA_CHECK_TYPE(image.is(Kind::Image) || image.is(Kind::TensorImage) || image.is(Kind::Mask),
                    "write_image: '{}': expected an Image, TensorImage or Mask, got {}", path.string(),
                    describe(image));
  at::Tensor t = image.tensor().to(at::kCPU);
  STRATA_CHECK_TYPE(t.scalar_type() == at::kByte, "write_image: '{}': expected uint8 pixels, got {}", path.string(),
                    describe(image));
  if (image.is(Kind::TensorImage)) {
    STRATA_CHECK(t.dim() == 3, "write_image: '{}': a TensorImage must be [C, H, W], got {}", path.string(),
                 shape_str(t.sizes()));
    t = t.permute({1, 2, 0});
  }
  t = t.contiguous();
  const int channels = t.dim() == 2 ? 1 : static_cast<int>(t.size(2));
  STRATA_CHECK(channels == 1 || channels == 3 || channels == 4,
               "write_image: '{}': expected 1, 3 or 4 channels, got shape {}", path.string(), shape_str(t.sizes()));
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  STRATA_CHECK(ext == ".png" || ext == ".jpg" || ext == ".jpeg",
               "write_image: '{}': unsupported extension '{}' (use .png, .jpg or .jpeg)", path.string(), ext);
  const auto encoded = ext == ".png" ? detail::png_encode(t, path.string())
                                     : detail::jpeg_encode(t, jpeg_quality, path.string());
  write_file_atomic(path, encoded);
}

}  // namespace strata
