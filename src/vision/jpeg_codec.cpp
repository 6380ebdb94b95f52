#include "image_codecs.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>

#include <jpeglib.h>

#include "strata/core/error.h"

namespace strata::detail {
namespace {

// libjpeg reports fatal errors through error_exit, which must not return: it jumps back to the
// setjmp of the call in progress. Only C calls run between a setjmp and its longjmp, so no C++
// destructor is skipped.
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr info) {
  auto* err = reinterpret_cast<JpegError*>(info->err);
  info->err->format_message(info, err->message);
  std::longjmp(err->jump, 1);
}

void on_message(j_common_ptr) {}  // warnings (e.g. corrupt data recovered) stay quiet, as in PIL

struct Decoder {
  jpeg_decompress_struct info{};
  JpegError err{};
  Decoder() {
    info.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = on_error;
    err.mgr.output_message = on_message;
    jpeg_create_decompress(&info);
  }
  ~Decoder() { jpeg_destroy_decompress(&info); }
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
};

// Each step is one setjmp'd function returning false on a libjpeg error.
bool read_header(Decoder& d, const std::vector<std::uint8_t>& bytes) {
  if (setjmp(d.err.jump)) return false;
  jpeg_mem_src(&d.info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&d.info, TRUE);
  return true;
}

bool start(Decoder& d, int reduce) {
  if (setjmp(d.err.jump)) return false;
  d.info.scale_num = 1;
  d.info.scale_denom = static_cast<unsigned>(reduce);
  const bool cmyk = d.info.jpeg_color_space == JCS_CMYK || d.info.jpeg_color_space == JCS_YCCK;
  d.info.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGB;
  jpeg_start_decompress(&d.info);
  return true;
}

// `rows` points at every output row: asking for many rows at once lets libjpeg upsample chroma
// straight into them (one row per call goes through its spare-row buffer: an extra copy).
bool read_rows(Decoder& d, JSAMPROW* rows) {
  if (setjmp(d.err.jump)) return false;
  while (d.info.output_scanline < d.info.output_height)
    jpeg_read_scanlines(&d.info, rows + d.info.output_scanline, d.info.output_height - d.info.output_scanline);
  jpeg_finish_decompress(&d.info);
  return true;
}

// Pillow's cmyk2rgb: R = (255 - C) * (255 - K) / 255 with its MULDIV255 rounding. Adobe's files
// (saw_Adobe_marker) store the channels inverted, as Pillow assumes.
void cmyk_to_rgb(const std::uint8_t* cmyk, std::int64_t pixels, bool inverted, std::uint8_t* rgb) {
  for (std::int64_t i = 0; i < pixels; ++i, cmyk += 4, rgb += 3) {
    const int k = inverted ? 255 - cmyk[3] : cmyk[3], nk = 255 - k;
    for (int c = 0; c < 3; ++c) {
      const int v = inverted ? 255 - cmyk[c] : cmyk[c];
      const int tmp = v * nk + 128;
      rgb[c] = static_cast<std::uint8_t>(nk - (((tmp >> 8) + tmp) >> 8));
    }
  }
}

struct Encoder {
  jpeg_compress_struct info{};
  JpegError err{};
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  Encoder() {
    info.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = on_error;
    err.mgr.output_message = on_message;
    jpeg_create_compress(&info);
  }
  ~Encoder() {
    jpeg_destroy_compress(&info);
    std::free(buffer);
  }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;
};

bool compress(Encoder& e, const std::uint8_t* pixels, std::int64_t height, std::int64_t width, int channels,
              int quality) {
  if (setjmp(e.err.jump)) return false;
  jpeg_mem_dest(&e.info, &e.buffer, &e.size);
  e.info.image_width = static_cast<JDIMENSION>(width);
  e.info.image_height = static_cast<JDIMENSION>(height);
  e.info.input_components = channels;
  e.info.in_color_space = channels == 1 ? JCS_GRAYSCALE : (channels == 3 ? JCS_EXT_RGB : JCS_EXT_RGBX);
  jpeg_set_defaults(&e.info);
  jpeg_set_quality(&e.info, quality, TRUE);
  jpeg_start_compress(&e.info, TRUE);
  const auto row_bytes = static_cast<std::size_t>(width * channels);
  while (e.info.next_scanline < e.info.image_height) {
    auto row = const_cast<JSAMPROW>(pixels + e.info.next_scanline * row_bytes);
    jpeg_write_scanlines(&e.info, &row, 1);
  }
  jpeg_finish_compress(&e.info);
  return true;
}

}  // namespace

at::Tensor jpeg_decode(const std::vector<std::uint8_t>& bytes, const std::string& name, DecodeTarget target,
                       std::int64_t max_pixels, int reduce) {
  Decoder d;
  STRATA_CHECK_IO(read_header(d, bytes), "'{}' is not a decodable image ({} bytes): {}", name, bytes.size(),
                  d.err.message);
  check_pixel_count(name, d.info.image_width, d.info.image_height, max_pixels);
  STRATA_CHECK_IO(start(d, reduce), "'{}' is not a decodable image ({} bytes): {}", name, bytes.size(), d.err.message);
  const std::int64_t h = d.info.output_height, w = d.info.output_width;
  const int channels = d.info.output_components;
  at::Tensor pixels = at::empty({h, w, channels}, at::kByte);
  std::vector<JSAMPROW> rows(static_cast<std::size_t>(h));
  std::uint8_t* first_row = pixels.data_ptr<std::uint8_t>();
  for (std::int64_t y = 0; y < h; ++y) rows[static_cast<std::size_t>(y)] = first_row + y * w * channels;
  STRATA_CHECK_IO(read_rows(d, rows.data()), "'{}' is not a decodable image ({} bytes): {}", name, bytes.size(),
                  d.err.message);
  at::Tensor rgb = pixels;
  if (channels == 4) {
    rgb = at::empty({h, w, 3}, at::kByte);
    cmyk_to_rgb(pixels.data_ptr<std::uint8_t>(), h * w, d.info.saw_Adobe_marker != 0, rgb.data_ptr<std::uint8_t>());
  }
  if (target == DecodeTarget::rgb) return rgb;
  at::Tensor grey = at::empty({h, w}, at::kByte);
  rgb_to_luminance(rgb.data_ptr<std::uint8_t>(), h * w, 3, grey.data_ptr<std::uint8_t>());
  return grey;
}

std::vector<std::uint8_t> jpeg_encode(const at::Tensor& pixels, int quality, const std::string& name) {
  const at::Tensor t = pixels.contiguous();
  const auto channels = static_cast<int>(t.dim() == 2 ? 1 : t.size(2));
  Encoder e;
  STRATA_CHECK_IO(compress(e, t.data_ptr<std::uint8_t>(), t.size(0), t.size(1), channels, quality),
                  "write_image: '{}' could not be encoded as JPEG: {}", name, e.err.message);
  return {e.buffer, e.buffer + e.size};
}

}  // namespace strata::detail
