// A user's program: only find_package(strata) and the installed headers.
#include <iostream>

#include <ATen/ATen.h>
#include <strata/strata.h>

int main() {
  strata::Pipeline pipeline({std::make_shared<strata::ToTensor>(), std::make_shared<strata::IntToFloatTensor>(),
                             strata::Normalize::from_stats(strata::imagenet_stats)});
  strata::TransformContext ctx;
  auto out = pipeline(strata::Item{strata::Value(strata::Kind::Image, at::full({4, 4, 3}, 255, at::kByte))}, ctx);
  const float red = out.at(0).tensor()[0][0][0].item<float>();
  std::cout << "strata " << STRATA_VERSION_STRING << " consumer: normalised red = " << red << "\n";
  return (red > 2.24f && red < 2.25f) ? 0 : 1;
}
