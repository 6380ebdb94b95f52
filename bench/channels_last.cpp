// Training step time of a resnet18 in the default (NCHW) memory format vs channels_last (NHWC,
// learn.to_channelslast()), on whatever device is present; interleaved runs, medians.
#include <iostream>

#include <torch/torch.h>

#include <strata/strata.h>

#include "bench_util.h"

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 5;
  const torch::Device device = torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  torch::manual_seed(0);
  std::vector<strata::Item> items;
  for (int i = 0; i < 32 * 8; ++i)
    items.push_back({strata::Value(strata::Kind::TensorImage, torch::randn({3, 96, 96})), strata::Value::category(i % 10)});
  strata::Splits splits;
  for (int i = 0; i < static_cast<int>(items.size()); ++i) splits.train.push_back(i);
  auto dls = strata::dataloaders(strata::TfmdLists(items, strata::Pipeline(), splits),
                                 strata::DataLoadersOptions().bs(32).num_workers(0).seed(0).device(device));
  const auto make = [&](bool channels_last) {
    auto learn = std::make_unique<strata::Learner>(
        dls, strata::create_vision_model("resnet18", 10, strata::VisionModelOptions().pretrained(false)),
        strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()));
    learn->logging = false;
    if (channels_last) learn->to_channelslast();
    return learn;
  };
  auto plain = make(false), nhwc = make(true);
  std::vector<double> a, b;
  for (int i = 0; i < runs + 1; ++i) {  // the first round warms up
    const double ta = strata_bench::median_seconds(1, [&] { plain->fit(1, 1e-3); }, false);
    const double tb = strata_bench::median_seconds(1, [&] { nhwc->fit(1, 1e-3); }, false);
    if (i > 0) a.push_back(ta), b.push_back(tb);
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double ta = a[a.size() / 2], tb = b[b.size() / 2];
  std::cout << "channels_last: resnet18 training, 8 batches of 32 x 3 x 96 x 96 on " << device << ", median of " << runs
            << "\n";
  std::cout << "  NCHW (contiguous): " << ta / 8 * 1e3 << " ms/batch\n";
  std::cout << "  NHWC (to_channelslast): " << tb / 8 * 1e3 << " ms/batch, speed-up x" << ta / tb << "\n";
  return 0;
}
