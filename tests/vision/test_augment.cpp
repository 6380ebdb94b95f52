#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/vision/augment.h"
#include "strata/vision/image_io.h"

using strata::Item;
using strata::Kind;
using strata::Split;
using strata::TransformContext;
using strata::Value;
using strata_test::Contains;

namespace {
Item batch(const at::Tensor& images) {
  auto mask = images.select(1, 0).mul(3).round().to(torch::kLong);  // a mask that follows the image
  return {Value(Kind::TensorImage, images), Value(Kind::TensorMask, mask), Value(Kind::Category, torch::zeros({images.size(0)}, torch::kLong))};
}
}  // namespace

TEST_CASE("AffineCoordTfm: a certain flip mirrors images and masks alike", "[vision]") {
  strata::AffineOptions o;
  o.p_flip = 1.0;
  strata::AffineCoordTfm flip(o);
  auto x = torch::rand({2, 3, 5, 7});
  strata::Rng rng(0);
  TransformContext train{Split::Train, &rng};
  Item out = flip(batch(x), train);
  CHECK(torch::allclose(out[0].tensor(), x.flip(-1), 1e-5, 1e-5));
  CHECK(torch::equal(out[1].tensor(), batch(x)[1].tensor().flip(-1)));
  CHECK(torch::equal(out[2].tensor(), torch::zeros({2}, torch::kLong)));
  TransformContext valid{Split::Valid, &rng};
  CHECK(torch::equal(flip(batch(x), valid)[0].tensor(), x));
}

TEST_CASE("AffineCoordTfm: rotations are rotation matrices; a dihedral quarter turn is rot90", "[vision]") {
  strata::AffineOptions o;
  o.p_flip = 0;
  o.max_rotate = 90;
  o.p_affine = 1;
  strata::AffineCoordTfm rot(o);
  // The drawn matrix is a rotation: [[cos, sin], [-sin, cos]].
  strata::Rng rng(5);
  auto m = rot.draw_matrices(1, rng);
  const double c = m[0][0][0].item<double>(), s = m[0][0][1].item<double>();
  CHECK(c * c + s * s == Approx(1.0));
  CHECK(m[0][1][0].item<double>() == Approx(-s));
  // Dihedral draws include the two quarter turns; through grid_sample they equal rot90 exactly.
  auto x = torch::arange(16, torch::kFloat).view({1, 1, 4, 4});
  bool seen_rotation = false;
  for (std::uint64_t seed = 0; seed < 64 && !seen_rotation; ++seed) {
    strata::Rng r(seed);
    TransformContext train{Split::Train, &r};
    strata::AffineOptions d;
    d.flip_vert = true;
    d.p_flip = 1.0;
    auto y = strata::AffineCoordTfm(d)(Item{Value(Kind::TensorImage, x)}, train)[0].tensor();
    seen_rotation = torch::allclose(y, torch::rot90(x, 1, {2, 3}), 1e-4, 1e-4) ||
                    torch::allclose(y, torch::rot90(x, -1, {2, 3}), 1e-4, 1e-4);
  }
  CHECK(seen_rotation);
}

TEST_CASE("AffineCoordTfm: zoom 2x about the centre magnifies the middle", "[vision]") {
  strata::AffineOptions o;
  o.p_flip = 0;
  o.min_zoom = o.max_zoom = 2.0;
  o.p_affine = 1;
  strata::AffineCoordTfm zoom(o);
  auto x = torch::zeros({1, 1, 9, 9});
  x.slice(2, 3, 6).slice(3, 3, 6).fill_(1);  // a bright 3x3 centre square
  strata::Rng rng(11);
  TransformContext train{Split::Train, &rng};
  auto y = zoom(Item{Value(Kind::TensorImage, x)}, train)[0].tensor();
  // Twice as large (about 6x6 of the 9x9 image), wherever the random centre put it.
  CHECK(y.sum().item<float>() > 1.8f * x.sum().item<float>());
  CHECK(y.sum().item<float>() < 6.0f * x.sum().item<float>());
}

TEST_CASE("aug_transforms: fastai's defaults, training only, a real photo stays a photo", "[vision]") {
  auto tfms = strata::aug_transforms();
  REQUIRE(tfms.size() == 2);
  CHECK(tfms[0]->name() == "AffineCoordTfm");
  CHECK(tfms[0]->order() == 30);
  CHECK(tfms[1]->name() == "LightingTfm");
  CHECK(tfms[1]->order() == 40);
  CHECK_FALSE(tfms[0]->applies_to(Split::Valid));
  auto img = strata::read_image(strata_test::opencv_samples() / "baboon.jpg").tensor();
  auto x = img.permute({2, 0, 1}).unsqueeze(0).repeat({4, 1, 1, 1}).to(torch::kFloat).div(255);
  strata::Rng rng(3);
  TransformContext train{Split::Train, &rng};
  Item out{Value(Kind::TensorImage, x)};
  for (auto& t : tfms) out = (*t)(out, train);
  const auto& y = out[0].tensor();
  CHECK(y.sizes() == x.sizes());
  CHECK(y.min().item<float>() >= 0.0f);
  CHECK(y.max().item<float>() <= 1.0f);
  CHECK(std::abs(y.mean().item<float>() - x.mean().item<float>()) < 0.15f);
  CHECK_FALSE(torch::allclose(y, x));
  CHECK_THROWS_WITH((*tfms[1])(Item{Value(Kind::TensorImage, torch::zeros({1, 3, 2, 2}, torch::kByte))}, train),
                    Contains("after IntToFloatTensor"));
}
