#include <fstream>

#include <ATen/ATen.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/core/file_io.h"
#include "strata/vision/image_io.h"

using strata::Kind;
using strata_test::Contains;
namespace fs = std::filesystem;

namespace {

// PIL's decode of `file` converted to RGB (what fastai's PILImage.create gives), as [H, W, 3].
at::Tensor pil_rgb(const fs::path& file, const strata_test::TempDir& dir) {
  const auto raw = dir / "pil.raw";
  strata_test::run_python("from PIL import Image\n"
                          "im = Image.open('" + file.string() + "').convert('RGB')\n"
                          "open('" + raw.string() + "', 'wb').write(im.tobytes())\n"
                          "print(im.size[0], im.size[1])\n");
  const auto bytes = strata::read_file_bytes(raw);
  auto image = strata::read_image(file).tensor();
  REQUIRE(static_cast<int64_t>(bytes.size()) == image.numel());
  return at::from_blob(const_cast<uint8_t*>(bytes.data()), image.sizes(), at::kByte).clone();
}

}  // namespace

TEST_CASE("read_image: PNGs decode exactly as PIL does (RGB, grey, RGBA, palette, grey+alpha)",
          "[vision][parity]") {
  strata_test::TempDir dir;
  for (const char* name : {"pic1.png", "box.png", "gradient.png", "imageTextN.png", "mask.png", "ml.png"}) {
    INFO(name);
    const auto file = strata_test::opencv_samples() / name;
    const auto ours = strata::read_image(file).tensor();
    const auto theirs = pil_rgb(file, dir);
    CHECK(at::equal(ours, theirs));
  }
}

TEST_CASE("read_image: JPEGs decode exactly as PIL does (same libjpeg, same settings)", "[vision][parity]") {
  strata_test::TempDir dir;
  for (const char* name : {"baboon.jpg", "fruits.jpg", "messi5.jpg", "HappyFish.jpg", "left01.jpg"}) {
    INFO(name);
    const auto file = strata_test::opencv_samples() / name;
    CHECK(at::equal(strata::read_image(file).tensor(), pil_rgb(file, dir)));
  }
}

TEST_CASE("read_image / read_mask: CMYK, progressive, interlaced, RGBA, palette and draft files as PIL reads them",
          "[vision][parity]") {
  strata_test::TempDir dir;
  strata_test::run_python("from PIL import Image\n"
                          "d = '" + dir.path().string() + "'\n"
                          "im = Image.open('" + (strata_test::opencv_samples() / "fruits.jpg").string() + "')\n"
                          "im = im.resize((96, 80))\n"
                          "im.convert('CMYK').save(d + '/cmyk.jpg', quality=90)\n"
                          "im.save(d + '/progressive.jpg', progressive=True, quality=80)\n"
                          "im.save(d + '/interlaced.png', interlace=1)\n"
                          "im.convert('RGBA').save(d + '/rgba.png')\n"
                          "im.convert('P', palette=Image.ADAPTIVE, colors=7).save(d + '/palette.png', transparency=2)\n"
                          "j = Image.open(d + '/progressive.jpg'); j.draft('RGB', (48, 40)); j.convert('RGB').save(d + '/draft.png')\n"
                          "im.convert('L').save(d + '/luminance.png')\n"
                          "im.save(d + '/colour.png')\n");
  for (const char* name : {"cmyk.jpg", "progressive.jpg", "interlaced.png", "rgba.png", "palette.png"}) {
    INFO(name);
    CHECK(at::equal(strata::read_image(dir / name).tensor(), pil_rgb(dir / name, dir)));
  }
  // PIL's draft mode is libjpeg's DCT scaling, as ReadImageOptions::reduce is.
  strata::ReadImageOptions half;
  half.reduce = 2;
  const auto reduced = strata::read_image(dir / "progressive.jpg", half).tensor();
  CHECK(reduced.sizes() == at::IntArrayRef({40, 48, 3}));
  CHECK(at::equal(reduced, strata::read_image(dir / "draft.png").tensor()));
  // A colour mask is read through PIL's convert('L').
  CHECK(at::equal(strata::read_mask(dir / "colour.png").tensor(), strata::read_mask(dir / "luminance.png").tensor()));
}

TEST_CASE("read_image: returns an RGB uint8 [H, W, 3] Image", "[vision]") {
  const auto img = strata::read_image(strata_test::opencv_samples() / "pic1.png");
  CHECK(img.kind() == Kind::Image);
  CHECK(img.tensor().scalar_type() == at::kByte);
  CHECK(img.tensor().sizes() == at::IntArrayRef({300, 400, 3}));
  const auto grey = strata::read_image(strata_test::opencv_samples() / "left01.jpg").tensor();
  CHECK(grey.size(2) == 3);
  CHECK(at::equal(grey.select(2, 0), grey.select(2, 2)));
}

TEST_CASE("read_image: reduced JPEG decode gives the image at a fraction of its size", "[vision]") {
  const auto file = strata_test::opencv_samples() / "baboon.jpg";
  const auto full = strata::read_image(file).tensor();
  const auto half = strata::read_image(file, {2}).tensor();
  CHECK(half.sizes() == at::IntArrayRef({256, 256, 3}));
  // Same picture: the mean colour barely moves.
  CHECK(std::abs(full.to(at::kFloat).mean().item<float>() - half.to(at::kFloat).mean().item<float>()) < 2.0f);
  CHECK_THROWS_WITH(strata::read_image(file, {3}), Contains("reduce must be 1, 2, 4 or 8, got 3"));
  strata::ReadImageOptions fit;
  fit.min_size = 128;  // 512 / 4 still covers 128; 512 / 8 would not
  CHECK(strata::read_image(file, fit).tensor().size(0) == 128);
  fit.min_size = 200;
  CHECK(strata::read_image(file, fit).tensor().size(0) == 256);
  fit.min_size = 400;
  CHECK(strata::read_image(file, fit).tensor().size(0) == 512);
  CHECK(strata::read_image(strata_test::opencv_samples() / "pic1.png", fit).tensor().size(0) == 300);  // PNG: full size
}

TEST_CASE("read_image: 16-bit PNGs are scaled to 8 bits", "[vision]") {
  strata_test::TempDir dir;
  const auto file = dir / "deep.png";
  strata_test::run_python("from PIL import Image\n"
                          "im = Image.new('I;16', (4, 2))\n"
                          "im.putdata([0, 257, 65535, 32896, 0, 0, 0, 0])\n"
                          "im.save('" + file.string() + "')\n");
  const auto t = strata::read_image(file).tensor();
  CHECK(t.sizes() == at::IntArrayRef({2, 4, 3}));
  CHECK(t[0][0][0].item<uint8_t>() == 0);
  CHECK(t[0][1][0].item<uint8_t>() == 1);
  CHECK(t[0][2][0].item<uint8_t>() == 255);
  CHECK(t[0][3][1].item<uint8_t>() == 128);
}

TEST_CASE("read_image: bad files are IOErrors naming the file", "[vision]") {
  strata_test::TempDir dir;
  SECTION("missing") {
    CHECK_THROWS_AS(strata::read_image(dir / "missing.jpg"), strata::IOError);
    CHECK_THROWS_WITH(strata::read_image(dir / "missing.jpg"), Contains("missing.jpg' does not exist"));
  }
  SECTION("empty") {
    strata_test::write_text(dir / "empty.jpg", "");
    CHECK_THROWS_WITH(strata::read_image(dir / "empty.jpg"), Contains("empty.jpg' is not a decodable image (0 bytes)"));
  }
  SECTION("text named .jpg") {
    strata_test::write_text(dir / "notes.jpg", "this is not an image\n");
    CHECK_THROWS_WITH(strata::read_image(dir / "notes.jpg"), Contains("notes.jpg' is not a decodable image"));
  }
  SECTION("truncated JPEG") {
    auto bytes = strata::read_file_bytes(strata_test::opencv_samples() / "baboon.jpg");
    bytes.resize(bytes.size() / 2);
    strata::write_file_atomic(dir / "cut.jpg", bytes);
    CHECK_THROWS_WITH(strata::read_image(dir / "cut.jpg"), Contains("cut.jpg' is a truncated JPEG"));
  }
  SECTION("truncated PNG") {
    auto bytes = strata::read_file_bytes(strata_test::opencv_samples() / "pic2.png");
    bytes.resize(bytes.size() / 2);
    strata::write_file_atomic(dir / "cut.png", bytes);
    CHECK_THROWS_WITH(strata::read_image(dir / "cut.png"), Contains("cut.png' is not a decodable image"));
  }
  SECTION("decompression bomb") {
    strata::ReadImageOptions small;
    small.max_pixels = 1000;
    CHECK_THROWS_WITH(strata::read_image(strata_test::opencv_samples() / "pic1.png", small),
                      Contains("pic1.png' is 400x300 = 120000 pixels, above the limit of 1000"));
  }
  SECTION("a header whose width x height overflows 64 bits") {
    // The fuzzer's find: a PNG claiming 3991793133 x 3991793133 (the product overflowed the check).
    const auto bytes = strata::read_file_bytes(fs::path(STRATA_TEST_FIXTURES) / "../../fuzz/seeds/image/huge_png_header.png");
    CHECK_THROWS_WITH(strata::decode_image(bytes, "huge.png"),
                      Contains("'huge.png' is 3991793133x3991793133 = 15934412416665955689 pixels, above the limit"));
  }
  SECTION("a JPEG whose decoder sees other dimensions than the first frame header") {
    // The fuzzer's find: the first SOF passes the header check, libjpeg reads another one.
    const auto bytes = strata::read_file_bytes(fs::path(STRATA_TEST_FIXTURES) / "../../fuzz/seeds/image/jpeg_second_sof.jpg");
    CHECK_THROWS_WITH(strata::decode_image(bytes, "two_sof.jpg"), Contains("pixels, above the limit of 178956970"));
  }
}

TEST_CASE("write_image: PNG round-trips exactly, for Image and TensorImage", "[vision]") {
  strata_test::TempDir dir;
  const auto img = strata::read_image(strata_test::opencv_samples() / "pic3.png");
  strata::write_image(dir / "a.png", img);
  CHECK(at::equal(strata::read_image(dir / "a.png").tensor(), img.tensor()));
  strata::write_image(dir / "b.png", strata::Value(Kind::TensorImage, img.tensor().permute({2, 0, 1})));
  CHECK(at::equal(strata::read_image(dir / "b.png").tensor(), img.tensor()));
}

TEST_CASE("write_image: JPEG at high quality stays close to the source", "[vision]") {
  strata_test::TempDir dir;
  const auto img = strata::read_image(strata_test::opencv_samples() / "fruits.jpg");
  strata::write_image(dir / "a.jpg", img, 98);
  const auto back = strata::read_image(dir / "a.jpg").tensor();
  CHECK((back.to(at::kFloat) - img.tensor().to(at::kFloat)).abs().mean().item<float>() < 3.0f);
}

TEST_CASE("write_image: wrong kind, dtype or extension names the file", "[vision]") {
  strata_test::TempDir dir;
  CHECK_THROWS_WITH(strata::write_image(dir / "x.png", strata::Value::category(1)),
                    Contains("x.png': expected an Image, TensorImage or Mask"));
  CHECK_THROWS_WITH(strata::write_image(dir / "x.png", strata::Value(Kind::Image, at::zeros({2, 2, 3}))),
                    Contains("expected uint8 pixels"));
  CHECK_THROWS_WITH(strata::write_image(dir / "x.gif", strata::Value(Kind::Image, at::zeros({2, 2, 3}, at::kByte))),
                    Contains("unsupported extension '.gif'"));
}

TEST_CASE("read_mask: a grey PNG reads as class codes [H, W]", "[vision]") {
  strata_test::TempDir dir;
  auto codes = at::tensor({0, 1, 2, 3, 4, 5}, at::kByte).view({2, 3});
  strata::write_image(dir / "m.png", strata::Value(Kind::Mask, codes));
  const auto mask = strata::read_mask(dir / "m.png");
  CHECK(mask.kind() == Kind::Mask);
  CHECK(at::equal(mask.tensor(), codes));
}

TEST_CASE("read_mask: palette PNGs give their indices, at every bit depth", "[vision][parity]") {
  strata_test::TempDir dir;
  // PIL writes 'P' images with 1/2/4/8-bit palettes depending on the number of colours.
  strata_test::run_python(
      "from PIL import Image\nimport random\nrandom.seed(0)\n"
      "d = '" + dir.path().string() + "'\n"
      "for n in [2, 4, 16, 40]:\n"
      "    im = Image.new('P', (13, 7))\n"
      "    im.putpalette([random.randrange(256) for _ in range(3 * n)])\n"
      "    im.putdata([random.randrange(n) for _ in range(13 * 7)])\n"
      "    im.save(f'{d}/p{n}.png', bits=max(1, (n - 1).bit_length()) if n <= 16 else 8)\n"
      "    open(f'{d}/p{n}.raw', 'wb').write(bytes(im.getdata()))\n");
  for (int n : {2, 4, 16, 40}) {
    INFO(n);
    const auto mask = strata::read_mask(dir / ("p" + std::to_string(n) + ".png")).tensor();
    const auto raw = strata::read_file_bytes(dir / ("p" + std::to_string(n) + ".raw"));
    REQUIRE(mask.sizes() == at::IntArrayRef({7, 13}));
    CHECK(at::equal(mask, at::from_blob(const_cast<uint8_t*>(raw.data()), {7, 13}, at::kByte)));
  }
}
