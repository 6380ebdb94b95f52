#include "image_codecs.h"

#include <algorithm>
#include <csetjmp>
#include <cstring>

#include <png.h>

#include "strata/core/error.h"

namespace strata::detail {
namespace {

// libpng's fatal errors longjmp back to the setjmp of the call in progress; only C calls run in
// between, so no C++ destructor is skipped.
struct PngError {
  std::jmp_buf jump;
  char message[256] = "";
};

void on_error(png_structp png, png_const_charp message) {
  auto* err = static_cast<PngError*>(png_get_error_ptr(png));
  std::strncpy(err->message, message, sizeof(err->message) - 1);
  std::longjmp(err->jump, 1);
}

void on_warning(png_structp, png_const_charp) {}

struct MemoryReader {
  const std::uint8_t* data;
  std::size_t size, offset;
};

void read_from_memory(png_structp png, png_bytep out, png_size_t n) {
  auto* r = static_cast<MemoryReader*>(png_get_io_ptr(png));
  if (n > r->size - r->offset) png_error(png, "unexpected end of file (truncated PNG)");
  std::memcpy(out, r->data + r->offset, n);
  r->offset += n;
}

struct Reader {
  PngError err;
  MemoryReader source;
  png_structp png = nullptr;
  png_infop info = nullptr;
  explicit Reader(const std::vector<std::uint8_t>& bytes) : source{bytes.data(), bytes.size(), 0} {
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
    if (png) info = png_create_info_struct(png);
  }
  ~Reader() { png_destroy_read_struct(&png, &info, nullptr); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
};

struct Layout {
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0, channels = 0, passes = 1;
  std::size_t row_bytes = 0;
};

// Reads the header and sets the transformations for `target` (16-bit grey masks stay 16-bit,
// native byte order, so codes above 255 can be refused).
bool read_info(Reader& r, DecodeTarget target, Layout& out) {
  if (setjmp(r.err.jump)) return false;
  png_set_read_fn(r.png, &r.source, read_from_memory);
  png_read_info(r.png, r.info);
  out.width = png_get_image_width(r.png, r.info);
  out.height = png_get_image_height(r.png, r.info);
  out.bit_depth = png_get_bit_depth(r.png, r.info);
  out.color_type = png_get_color_type(r.png, r.info);
  const bool palette = out.color_type == PNG_COLOR_TYPE_PALETTE;
  const bool grey = (out.color_type & PNG_COLOR_MASK_COLOR) == 0;
  // Alpha is dropped, also the alpha that expanding a palette with a tRNS chunk would add.
  png_set_strip_alpha(r.png);
  if (target == DecodeTarget::rgb) {
    if (palette) png_set_palette_to_rgb(r.png);
    if (grey) png_set_gray_to_rgb(r.png);
  } else if (palette) {
    png_set_packing(r.png);  // 1/2/4-bit indices, one byte each, unscaled
  }
  if (grey && out.bit_depth < 8) png_set_expand_gray_1_2_4_to_8(r.png);
  if (out.bit_depth == 16) {
    if (target == DecodeTarget::mask && grey) png_set_swap(r.png);  // kept 16-bit, checked later
    else png_set_scale_16(r.png);  // (v * 255 + 32895) >> 16 == round(v / 257)
  }
  out.passes = png_set_interlace_handling(r.png);
  png_read_update_info(r.png, r.info);
  out.channels = png_get_channels(r.png, r.info);
  out.row_bytes = png_get_rowbytes(r.png, r.info);
  out.bit_depth = png_get_bit_depth(r.png, r.info);
  return true;
}

bool read_pixels(Reader& r, const Layout& layout, std::uint8_t* out) {
  if (setjmp(r.err.jump)) return false;
  // Interlaced images take several passes over the same rows, each filling in more pixels.
  for (int pass = 0; pass < layout.passes; ++pass)
    for (png_uint_32 y = 0; y < layout.height; ++y) png_read_row(r.png, out + y * layout.row_bytes, nullptr);
  png_read_end(r.png, nullptr);
  return true;
}

struct Writer {
  PngError err;
  std::vector<std::uint8_t>* out;
  png_structp png = nullptr;
  png_infop info = nullptr;
  explicit Writer(std::vector<std::uint8_t>* o) : out(o) {
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
    if (png) info = png_create_info_struct(png);
  }
  ~Writer() { png_destroy_write_struct(&png, &info); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
};

void write_to_memory(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

void flush_memory(png_structp) {}

bool write_png(Writer& w, const std::uint8_t* pixels, std::int64_t height, std::int64_t width, int channels) {
  if (setjmp(w.err.jump)) return false;
  png_set_write_fn(w.png, w.out, write_to_memory, flush_memory);
  const int type = channels == 1 ? PNG_COLOR_TYPE_GRAY : (channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGBA);
  png_set_IHDR(w.png, w.info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, type,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(w.png, w.info);
  const auto row_bytes = static_cast<std::size_t>(width * channels);
  for (std::int64_t y = 0; y < height; ++y)
    png_write_row(w.png, const_cast<png_bytep>(pixels + static_cast<std::size_t>(y) * row_bytes));
  png_write_end(w.png, nullptr);
  return true;
}

}  // namespace

void rgb_to_luminance(const std::uint8_t* rgb, std::int64_t pixels, int stride, std::uint8_t* out) {
  for (std::int64_t i = 0; i < pixels; ++i, rgb += stride)
    out[i] = static_cast<std::uint8_t>((rgb[0] * 19595 + rgb[1] * 38470 + rgb[2] * 7471 + 0x8000) >> 16);
}

at::Tensor png_decode(const std::vector<std::uint8_t>& bytes, const std::string& name, DecodeTarget target,
                      std::int64_t max_pixels) {
  Reader r(bytes);
  STRATA_CHECK_IO(r.png && r.info, "'{}': libpng could not start", name);
  Layout layout;
  STRATA_CHECK_IO(read_info(r, target, layout), "'{}' is not a decodable image ({} bytes): {}", name, bytes.size(),
                  r.err.message);
  const std::int64_t h = layout.height, w = layout.width;
  check_pixel_count(name, w, h, max_pixels);
  const std::int64_t bytes_per_sample = layout.bit_depth == 16 ? 2 : 1;
  STRATA_CHECK_IO(static_cast<std::int64_t>(layout.row_bytes) == w * layout.channels * bytes_per_sample,
                  "'{}': unexpected PNG row layout", name);
  at::Tensor raw = at::empty({h, w, layout.channels}, bytes_per_sample == 2 ? at::kShort : at::kByte);
  STRATA_CHECK_IO(read_pixels(r, layout, static_cast<std::uint8_t*>(raw.data_ptr())),
                  "'{}' is not a decodable image ({} bytes): {}", name, bytes.size(), r.err.message);
  if (target == DecodeTarget::rgb) return raw;
  if (bytes_per_sample == 2) {  // 16-bit grey codes, stored as signed 16-bit: reinterpret
    STRATA_CHECK_IO(layout.channels == 1, "read_mask: '{}' is a 16-bit colour image, not a mask", name);
    const at::Tensor codes = raw.view({h, w}).to(at::kInt).bitwise_and(0xFFFF);
    const auto max_code = codes.max().item<int>();
    STRATA_CHECK_IO(max_code <= 255, "read_mask: '{}' holds class code {} (above 255)", name, max_code);
    return codes.to(at::kByte);
  }
  if (layout.channels == 1) return raw.view({h, w});
  at::Tensor grey = at::empty({h, w}, at::kByte);
  rgb_to_luminance(raw.data_ptr<std::uint8_t>(), h * w, layout.channels, grey.data_ptr<std::uint8_t>());
  return grey;
}

std::vector<std::uint8_t> png_encode(const at::Tensor& pixels, const std::string& name) {
  const at::Tensor t = pixels.contiguous();
  const auto channels = static_cast<int>(t.dim() == 2 ? 1 : t.size(2));
  std::vector<std::uint8_t> out;
  Writer w(&out);
  STRATA_CHECK_IO(w.png && w.info && write_png(w, t.data_ptr<std::uint8_t>(), t.size(0), t.size(1), channels),
                  "write_image: '{}' could not be encoded as PNG: {}", name, w.err.message);
  return out;
}

}  // namespace strata::detail
