// The Pets Siamese flow at the walk-through's scale, for the GPU check (scripts/gpu-check.sh):
// 37 synthetic "breeds" x 200 Pets-shaped JPEGs (500x375, like Oxford-IIIT Pets' 7,390 photos),
// Resize(224), resnet34 body + fastai head, bs 64, frozen body, one-cycle. Times the loader alone
// (decode + resize + collate + copy to the device), then one epoch each in fp32, mixed precision,
// and mixed precision with channels_last, each after an untimed warm-up epoch; last, the model alone: the same
// training on decoded images held in memory (collate and copy only), the rate the device allows.
// Random init (no downloads): the accuracy only shows the pipeline learns. Runs on the CPU too
// (small settings) as a rehearsal.
//
//   bench_gpu_siamese [--device cuda] [--arch resnet34] [--size 224] [--bs 64] [--per-class 200]
//                     [--workers -1] [--data DIR]
#include <chrono>
#include <cmath>
#include <iostream>
#include <thread>

#include <torch/cuda.h>
#include <torch/torch.h>

#include <strata/strata.h>

#include "siamese_transform.h"

namespace fs = std::filesystem;

namespace {

struct Options {
  std::string device = torch::cuda::is_available() ? "cuda" : "cpu", arch = "resnet34";
  fs::path data = fs::temp_directory_path() / "strata-synthetic-pets";
  int size = 224, bs = 64, per_class = 200, workers = -1, classes = 37;
};

// One Pets-like photo: a textured ellipse (hue and stripe frequency set by the breed) somewhere
// on a random background, with noise; 500x375, JPEG quality 90 (Pets' photos are ~500x375).
void write_synthetic_pet(const fs::path& file, int breed, int classes, std::uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto uniform = [&](double lo, double hi) { return at::empty({1}).uniform_(lo, hi, gen).item<double>(); };
  const std::int64_t h = 375, w = 500;
  const auto yy = at::arange(h, at::kFloat).view({h, 1}), xx = at::arange(w, at::kFloat).view({1, w});
  const double cx = uniform(150, 350), cy = uniform(110, 265), rx = uniform(90, 160), ry = uniform(70, 120);
  const auto inside = ((xx - cx) / rx).pow(2) + ((yy - cy) / ry).pow(2) < 1;
  const double angle = uniform(0, M_PI), freq = 0.05 + 0.25 * (breed % 7) / 7.0;
  const auto stripes = at::sin((xx * std::cos(angle) + yy * std::sin(angle)) * freq) * 0.5 + 0.5;
  const double hue = 2 * M_PI * breed / classes;
  const auto base = at::tensor({std::cos(hue), std::cos(hue + 2.094), std::cos(hue + 4.189)}, at::kFloat) * 90 + 130;
  const auto pet = base.view({1, 1, 3}) * (0.55 + 0.45 * stripes).unsqueeze(2);
  const auto background = at::empty({3}).uniform_(40, 220, gen).view({1, 1, 3}).expand({h, w, 3});
  const auto image = at::where(inside.unsqueeze(2), pet, background) + at::randn({h, w, 3}, gen) * 12;
  strata::write_image(file, strata::Value(strata::Kind::Image, image.clamp(0, 255).to(at::kByte)), 90);
}

strata::Paths synthetic_pets(const fs::path& root, int classes, int per_class) {
  fs::create_directories(root / "images");
  std::vector<std::pair<fs::path, int>> todo;
  for (int c = 0; c < classes; ++c)
    for (int i = 0; i < per_class; ++i) {
      const auto file = root / "images" / fmt::format("breed_{:02d}_{}.jpg", c, i);
      if (!fs::exists(file)) todo.emplace_back(file, c);
    }
  const auto start = std::chrono::steady_clock::now();
  const unsigned n_threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < n_threads; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < todo.size(); i += n_threads)
        write_synthetic_pet(todo[i].first, todo[i].second, classes, 1000003ULL * i + 7);
    });
  for (auto& t : threads) t.join();
  if (!todo.empty())
    std::cout << "wrote " << todo.size() << " synthetic JPEGs in "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s\n";
  return strata::get_image_files(root / "images");
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void sync(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc == 2 && std::string(argv[1]) == "--help") {
    std::cout << "bench_gpu_siamese [--device cuda] [--arch resnet34] [--size 224] [--bs 64] [--per-class 200] "
                 "[--workers -1] [--data DIR]\n";
    return 0;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--device") o.device = v;
    else if (k == "--arch") o.arch = v;
    else if (k == "--size") o.size = std::stoi(v);
    else if (k == "--bs") o.bs = std::stoi(v);
    else if (k == "--per-class") o.per_class = std::stoi(v);
    else if (k == "--workers") o.workers = std::stoi(v);
    else if (k == "--data") o.data = v;
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  try {
    const torch::Device device(o.device);
    const auto files = synthetic_pets(o.data, o.classes, o.per_class);
    strata::RegexLabeller label(R"(^(.*)_\d+\.jpg$)");
    const auto splits = strata::RandomSplitter(0.2, 42)(files);
    auto tfm = std::make_shared<SiameseTransform>(files, label, splits, 42);
    strata::TfmdLists tls(files, strata::Pipeline({tfm}), splits);
    auto dls = strata::dataloaders(
        tls, strata::DataLoadersOptions()
                 .bs(o.bs)
                 .num_workers(o.workers)
                 .seed(42)
                 .device(device)
                 .pin_memory(device.is_cuda())
                 .after_item(strata::Pipeline({std::make_shared<strata::Resize>(o.size), std::make_shared<strata::ToTensor>()}))
                 .after_batch(strata::Pipeline({std::make_shared<strata::IntToFloatTensor>(),
                                                strata::Normalize::from_stats(strata::imagenet_stats)})));
    const auto train_pairs = static_cast<double>(splits.train.size()), valid_pairs = static_cast<double>(splits.valid.size());
    std::cout << "Siamese: " << files.size() << " synthetic 500x375 JPEGs, " << o.classes << " breeds, "
              << train_pairs << " training / " << valid_pairs << " validation pairs, " << o.size << " px, "
              << o.arch << ", bs " << o.bs << ", device " << o.device << ", " << std::thread::hardware_concurrency()
              << " CPU threads\n";

    // The loader alone: what the model would wait for if decoding were the limit.
    for (auto& b : dls.train()) (void)b;  // warm-up: page cache, pinned memory pool
    auto start = std::chrono::steady_clock::now();
    double images = 0;
    for (auto& b : dls.train()) images += 2.0 * static_cast<double>(b.at(0).tensor().size(0));
    sync(device);
    const double loader_rate = images / seconds_since(start);
    std::cout << "| loader only (decode, resize, collate, to " << o.device << ") | " << fmt::format("{:.0f}", loader_rate)
              << " images/s |\n";

    strata::ArchModel arch = strata::model_meta(o.arch).make();
    auto encoder = strata::create_body(arch.layers, strata::BodyOptions().cut(-2));
    auto head = strata::create_head(strata::num_features_model(encoder) * 2, 2, strata::HeadOptions().ps({0.5}));
    strata::SiameseModel model(encoder, head);
    const auto learner_options = strata::LearnerOptions()
                                     .loss_func(strata::CrossEntropyLossFlat())
                                     .splitter(strata::siamese_splitter)
                                     .metrics({strata::accuracy});
    strata::Learner learn(dls, model, learner_options);
    learn.logging = false;
    learn.freeze();
    std::cout << "| run | epoch (train + valid) | images/s | accuracy |\n|---|---|---|---|\n";
    // Each setting gets an untimed epoch first: cuDNN searches its algorithms again for each new
    // dtype, layout and set of gradients (benchmark mode), which would otherwise land in the timing.
    auto epoch = [&](const std::string& name) {
      learn.fit_one_cycle(1, 3e-3);
      sync(device);
      const auto t = std::chrono::steady_clock::now();
      learn.fit_one_cycle(1, 3e-3);
      sync(device);
      const double s = seconds_since(t);
      const double acc = learn.recorder().final_record().back().value_or(0.0);
      std::cout << "| " << name << " | " << fmt::format("{:.2f} s", s) << " | "
                << fmt::format("{:.0f}", 2 * (train_pairs + valid_pairs) / s) << " | " << fmt::format("{:.3f}", acc)
                << " |\n"
                << std::flush;
    };
    epoch("fp32, frozen body");
    if (device.is_cuda()) {
      learn.to_fp16();
      epoch("to_fp16(), frozen body");
      learn.to_channelslast();
      epoch("to_fp16() + to_channelslast(), frozen body");
      learn.unfreeze();
      epoch("to_fp16() + to_channelslast(), unfrozen");
    } else {
      learn.unfreeze();
      epoch("fp32, unfrozen");
    }

    // The model alone: 50 training and 10 validation batches of decoded images in memory.
    std::vector<strata::Item> decoded;
    strata::Splits in_memory;
    for (int i = 0; i < 60 * o.bs; ++i) {
      (i < 50 * o.bs ? in_memory.train : in_memory.valid).push_back(i);
      decoded.push_back({strata::Value(strata::Kind::TensorImage, torch::randint(0, 256, {3, o.size, o.size}, torch::kByte)),
                         strata::Value(strata::Kind::TensorImage, torch::randint(0, 256, {3, o.size, o.size}, torch::kByte)),
                         strata::Value::category(i % 2)});
    }
    auto memory_dls = strata::dataloaders(strata::TfmdLists(decoded, strata::Pipeline(), in_memory),
                                          strata::DataLoadersOptions()
                                              .bs(o.bs)
                                              .num_workers(o.workers)
                                              .seed(42)
                                              .device(device)
                                              .pin_memory(device.is_cuda())
                                              .after_batch(dls.train().options().after_batch()));
    strata::Learner model_only(memory_dls, model, learner_options);
    model_only.logging = false;
    if (device.is_cuda()) {
      model_only.to_fp16();
      model_only.to_channelslast();
    }
    model_only.fit_one_cycle(1, 1e-4);  // warm-up
    sync(device);
    start = std::chrono::steady_clock::now();
    model_only.fit_one_cycle(1, 1e-4);
    sync(device);
    const double s = seconds_since(start);
    std::cout << "| model only (" << (device.is_cuda() ? "to_fp16() + to_channelslast(), " : "")
              << "unfrozen, decoded images in memory) | " << fmt::format("{:.2f} s", s) << " | "
              << fmt::format("{:.0f}", 2 * 60 * o.bs / s) << " | - |\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
