#include <algorithm>
#include <utility>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/core/file_io.h"
#include "strata/vision/image_io.h"
#include "strata/vision/resize.h"
#include "strata/vision/show.h"

using strata::CropBox;
using strata::Item;
using strata::Kind;
using strata::ResizeMethod;
using strata::Split;
using strata::TransformContext;
using strata::Value;
using strata_test::Contains;

namespace {
Value blank_image(int64_t h, int64_t w) { return Value(Kind::Image, at::zeros({h, w, 3}, at::kByte)); }
}  // namespace

TEST_CASE("resize_box: fastai's crop boxes (vision/augment.py: Resize.before_call and encodes)", "[vision]") {
  // 500x375 landscape -> 224: 375x375 box, validation top-left (62, 0).
  CHECK(strata::resize_box(500, 375, 224, ResizeMethod::Crop, 0.5, 0.5) == CropBox{62, 0, 375, 375});
  // Portrait 375x500 -> validation (0, 62).
  CHECK(strata::resize_box(375, 500, 224, ResizeMethod::Crop, 0.5, 0.5) == CropBox{0, 62, 375, 375});
  // Training: top-left (int(r0 * 125), 0).
  CHECK(strata::resize_box(500, 375, 224, ResizeMethod::Crop, 0.3, 0.9) == CropBox{37, 0, 375, 375});
  // Resize((256, 128)) (h=256, w=128) on 640x480 -> 240x480 box at (200, 0).
  CHECK(strata::resize_box(640, 480, {256, 128}, ResizeMethod::Crop, 0.5, 0.5) == CropBox{200, 0, 240, 480});
}

TEST_CASE("resize_box: pad and squish boxes", "[vision]") {
  // Pad on 500x375: 500x500 box at (0, -62): 62 rows above, 63 below.
  CHECK(strata::resize_box(500, 375, 224, ResizeMethod::Pad, 0.5, 0.5) == CropBox{0, -62, 500, 500});
  CHECK(strata::resize_box(500, 375, 224, ResizeMethod::Squish, 0.1, 0.9) == CropBox{0, 0, 500, 375});
}

TEST_CASE("Resize: validation crops the centre; images bilinear, masks nearest", "[vision]") {
  // Columns 0..99 hold their index: the centre crop of a 100x50 image starts at column 25.
  auto cols = at::arange(100, at::kByte).view({1, 100}).expand({50, 100}).contiguous();
  Item item{Value(Kind::Image, cols.unsqueeze(2).expand({50, 100, 3}).contiguous()), Value(Kind::Mask, cols),
            Value::category(2)};
  strata::Resize resize(50);
  TransformContext valid{Split::Valid, nullptr};
  Item out = resize(item, valid);
  CHECK(out[0].tensor().sizes() == at::IntArrayRef({50, 50, 3}));
  CHECK(at::equal(out[1].tensor(), cols.narrow(1, 25, 50)));
  CHECK(at::equal(out[0].tensor().select(2, 1), cols.narrow(1, 25, 50)));
  CHECK(out[2].tensor().item<int64_t>() == 2);
}

TEST_CASE("Resize: training draws one random offset per item, shared by image and mask", "[vision]") {
  auto cols = at::arange(100, at::kByte).view({1, 100}).expand({50, 100}).contiguous();
  strata::Resize resize(50);
  std::set<int> lefts;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    strata::Rng rng(seed);
    TransformContext train{Split::Train, &rng};
    Item out = resize(Item{Value(Kind::Image, cols.unsqueeze(2).expand({50, 100, 3}).contiguous()),
                           Value(Kind::Mask, cols)},
                      train);
    const int left = out[1].tensor()[0][0].item<uint8_t>();
    CHECK(out[0].tensor()[0][0][0].item<uint8_t>() == left);
    lefts.insert(left);
  }
  CHECK(lefts.size() > 5);
  TransformContext no_rng{Split::Train, nullptr};
  CHECK_THROWS_WITH(resize(Item{blank_image(50, 100)}, no_rng), Contains("Resize: a random transform needs"));
}

TEST_CASE("Resize: pad with reflection mirrors the rows next to the edge", "[vision]") {
  // 4 rows x 8 cols, padded to 8x8: 2 rows above (rows 2, 1 reflected) and 2 below.
  auto rows = at::arange(4, at::kByte).view({4, 1}).expand({4, 8}).contiguous();
  strata::Resize resize(8, ResizeMethod::Pad, strata::PadMode::Reflection);
  TransformContext valid{Split::Valid, nullptr};
  auto out = resize(Item{Value(Kind::Mask, rows)}, valid)[0].tensor();
  CHECK(out.select(1, 0).to(at::kInt).equal(at::tensor({2, 1, 0, 1, 2, 3, 2, 1}, at::kInt)));
  strata::Resize zeros(8, ResizeMethod::Pad, strata::PadMode::Zeros);
  auto z = zeros(Item{Value(Kind::Mask, rows + 1)}, valid)[0].tensor();
  CHECK(z.select(1, 0).to(at::kInt).equal(at::tensor({0, 0, 1, 2, 3, 4, 0, 0}, at::kInt)));
}

TEST_CASE("Resize: a real photo becomes size x size", "[vision]") {
  auto img = strata::read_image(strata_test::opencv_samples() / "messi5.jpg");
  strata::Resize resize({224, 160});
  TransformContext valid{Split::Valid, nullptr};
  CHECK(resize(img, valid).tensor().sizes() == at::IntArrayRef({224, 160, 3}));
}

TEST_CASE("Resize: refuses a tensor image and a non-positive size", "[vision]") {
  strata::Resize resize(32);
  TransformContext valid{Split::Valid, nullptr};
  CHECK_THROWS_WITH(resize(Value(Kind::Image, at::zeros({3, 8, 8, 1}, at::kByte)), valid),
                    Contains("an Image must be [H, W, C], got [3, 8, 8, 1]"));
  CHECK_THROWS_WITH(strata::Resize(0), Contains("size must be positive"));
}

TEST_CASE("RandomResizedCrop: validation squishes to size + xtra then centre-crops (vision/augment.py, val_xtra)", "[vision]") {
  CHECK(strata::RandomResizedCrop(224).validation_resize() == strata::ImageSize(256));
  CHECK(strata::RandomResizedCrop(128).validation_resize() == strata::ImageSize(152));
  CHECK(strata::RandomResizedCrop(192).validation_resize() == strata::ImageSize(224));
  CHECK(strata::RandomResizedCrop(256).validation_resize() == strata::ImageSize(296));
  CHECK(strata::RandomResizedCrop(64).validation_resize() == strata::ImageSize(80));
  TransformContext valid{Split::Valid, nullptr};
  strata::RandomResizedCrop rrc(64);
  CHECK(rrc(blank_image(375, 500), valid).tensor().sizes() == at::IntArrayRef({64, 64, 3}));
}

TEST_CASE("RandomResizedCrop: training boxes respect scale and ratio bounds", "[vision]") {
  strata::RandomResizedCrop::Options opts;
  opts.min_scale = 0.35;
  strata::RandomResizedCrop rrc(32, opts);
  strata::Rng rng(3);
  for (int i = 0; i < 200; ++i) {
    const CropBox b = rrc.draw_box(500, 375, rng);
    CHECK(b.left >= 0);
    CHECK(b.top >= 0);
    CHECK(b.left + b.width <= 500);
    CHECK(b.top + b.height <= 375);
    const double area = static_cast<double>(b.width * b.height) / (500.0 * 375.0);
    CHECK(area >= 0.34);
    const double ratio = static_cast<double>(b.width) / static_cast<double>(b.height);
    CHECK(ratio >= 0.74);
    CHECK(ratio <= 1.34);
  }
  TransformContext train{Split::Train, &rng};
  CHECK(rrc(blank_image(375, 500), train).tensor().sizes() == at::IntArrayRef({32, 32, 3}));
  CHECK_THROWS_WITH(strata::RandomResizedCrop(32, {0.0, 1.0, 0.75, 1.33, 0.14}), Contains("min_scale"));
}

TEST_CASE("Resize: the same pixels as fastai's (PIL crop, then resize BILINEAR; masks NEAREST)", "[vision][parity]") {
  strata_test::TempDir dir;
  const auto photo = strata::read_image(strata_test::opencv_samples() / "messi5.jpg");  // 548x342
  strata::write_image(dir / "photo.png", photo);  // lossless: both sides start from the same pixels
  const auto codes = at::randint(0, 5, {37, 53}, at::kByte);
  strata::write_image(dir / "mask.png", Value(Kind::Mask, codes));
  struct Case {
    strata::CropBox box;
    strata::ImageSize size;
  };
  const std::vector<Case> cases{
      {strata::resize_box(548, 342, 224, ResizeMethod::Crop, 0.5, 0.5), 224},  // shrink by 1.53
      {{0, 0, 548, 342}, {100, 300}},                                          // squish: wider, lower
      {{200, 100, 50, 40}, {97, 131}},                                         // enlarge x2.4-2.6
      {{0, 0, 548, 342}, {40, 64}},                                            // shrink by 8.6
  };
  std::string script = "from PIL import Image\nd = '" + dir.path().string() + "'\nim = Image.open(d + '/photo.png')\n";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    script += fmt::format("im.crop(({}, {}, {}, {})).resize(({}, {}), Image.BILINEAR).save(d + '/out{}.png')\n",
                          c.box.left, c.box.top, c.box.left + c.box.width, c.box.top + c.box.height, c.size.width,
                          c.size.height, i);
  }
  script += "Image.open(d + '/mask.png').resize((20, 64), Image.NEAREST).save(d + '/mask_out.png')\n";
  // One channel (PIL mode L) takes the same path with another pixel stride.
  const auto grey = Value(Kind::Image, photo.tensor().narrow(2, 1, 1).contiguous());
  strata::write_image(dir / "grey.png", grey);
  script += "im = Image.open(d + '/grey.png'); assert im.mode == 'L'\n"
            "open(d + '/grey_out.raw', 'wb').write(im.resize((150, 61), Image.BILINEAR).tobytes())\n";
  strata_test::run_python(script);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    const auto ours = strata::crop_pad_resize(photo, cases[i].box, cases[i].size, strata::PadMode::Zeros).tensor();
    const auto pil = strata::read_image(dir / ("out" + std::to_string(i) + ".png")).tensor();
    REQUIRE(ours.sizes() == pil.sizes());
    CHECK((ours.to(at::kInt) - pil.to(at::kInt)).abs().max().item<int>() == 0);
  }
  const strata::CropBox whole{0, 0, 548, 342};
  const auto grey_out = strata::crop_pad_resize(grey, whole, {61, 150}, strata::PadMode::Zeros).tensor();
  REQUIRE(grey_out.sizes() == at::IntArrayRef({61, 150, 1}));
  const auto pil_grey = strata::read_file_bytes(dir / "grey_out.raw");
  REQUIRE(pil_grey.size() == static_cast<std::size_t>(grey_out.numel()));
  CHECK(std::equal(pil_grey.begin(), pil_grey.end(), grey_out.data_ptr<std::uint8_t>()));
  // Four channels filter each channel alone (PIL premultiplies RGBA by alpha first; fastai's
  // images are RGB, so strata does not).
  const auto rgba = Value(Kind::Image, at::cat({photo.tensor(), grey.tensor()}, 2));
  const auto rgba_out = strata::crop_pad_resize(rgba, whole, {61, 150}, strata::PadMode::Zeros).tensor();
  const auto rgb_out = strata::crop_pad_resize(photo, whole, {61, 150}, strata::PadMode::Zeros).tensor();
  CHECK(at::equal(rgba_out, at::cat({rgb_out, grey_out}, 2)));
  const auto mask = strata::crop_pad_resize(Value(Kind::Mask, codes), {0, 0, 53, 37}, {64, 20}, strata::PadMode::Zeros);
  CHECK(at::equal(mask.tensor(), strata::read_mask(dir / "mask_out.png").tensor()));
}

TEST_CASE("Resize: float images resize with antialiased bilinear and stay float", "[vision]") {
  auto ramp = at::arange(40, at::kFloat).view({1, 40, 1}).expand({20, 40, 3}).contiguous();
  const auto out = strata::crop_pad_resize(Value(Kind::Image, ramp), {0, 0, 40, 20}, {10, 20}, strata::PadMode::Zeros).tensor();
  REQUIRE(out.sizes() == at::IntArrayRef({10, 20, 3}));
  CHECK(out.scalar_type() == at::kFloat);
  // Halving a ramp: inside, each output pixel is the mean under its triangle filter, 2j + 0.5;
  // the edges renormalise the truncated filter (LibTorch's values: 0.7143 and 38.2857).
  CHECK(at::allclose(out[0].select(1, 0).narrow(0, 1, 18), at::arange(1, 19, at::kFloat) * 2 + 0.5, 1e-4, 1e-4));
  CHECK(out[0][0][0].item<float>() == Approx(0.7143).margin(1e-4));
}

TEST_CASE("side_by_side: the right image is resized (PIL bilinear) to the left one's height", "[vision]") {
  const auto left = at::full({10, 6, 3}, 200, at::kByte);
  const auto right = at::full({20, 16, 3}, 50, at::kByte);
  const auto pair = strata::side_by_side(left, right, 4);
  REQUIRE(pair.sizes() == at::IntArrayRef({10, 6 + 4 + 8, 3}));
  CHECK(at::equal(pair.narrow(1, 0, 6), left));
  CHECK(pair.narrow(1, 6, 4).max().item<int>() == 0);
  CHECK(at::equal(pair.narrow(1, 10, 8), at::full({10, 8, 3}, 50, at::kByte)));
}
