// Decode + Resize(224) + collate throughput on Pets-shaped JPEGs (500x375), measured against a
// bare single-thread OpenCV imread+resize loop and against Python's torch DataLoader + PIL, all in
// this run. Also the gain of libjpeg's reduced-size decoding.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <strata/strata.h>

#include "bench_util.h"

namespace fs = std::filesystem;

namespace {

strata::Paths make_jpegs(const fs::path& dir, int n) {
  fs::create_directories(dir);
  const std::vector<std::string> sources{"baboon.jpg", "fruits.jpg", "messi5.jpg", "home.jpg", "building.jpg"};
  strata::Paths out;
  for (int i = 0; i < n; ++i) {
    const fs::path file = dir / ("img_" + std::to_string(i) + ".jpg");
    if (!fs::exists(file)) {
      cv::Mat m = cv::imread("/usr/share/doc/opencv-doc/examples/data/" + sources[static_cast<std::size_t>(i) % sources.size()]);
      cv::resize(m, m, cv::Size(500, 375));
      cv::imwrite(file.string(), m, {cv::IMWRITE_JPEG_QUALITY, 90});
    }
    out.push_back(file);
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::stoi(argv[1]) : 512;
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto files = make_jpegs(fs::temp_directory_path() / "strata-bench-jpegs", n);
  at::set_num_threads(1);  // the loaders' own threads are what is measured

  // Baseline: the practical limit, a bare OpenCV loop in one thread.
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& f : files) {
    cv::Mat m = cv::imread(f.string()), r;
    cv::resize(m, r, cv::Size(224, 224), 0, 0, cv::INTER_AREA);
  }
  const double bare = n / seconds_since(t0);

  auto rate = [&](int workers, int reduce) {
    std::vector<strata::Item> items = strata::path_items(files);
    auto load = std::make_shared<strata::ItemTransform>("Load", [reduce](strata::Item it, strata::TransformContext&) {
      strata::ReadImageOptions o;
      o.reduce = reduce;
      return strata::Item{strata::read_image(it.at(0).str(), o)};
    });
    strata::Splits splits;
    for (int i = 0; i < n; ++i) splits.train.push_back(i);
    strata::TfmdLists tls(items, strata::Pipeline({load}), splits);
    strata::DataLoader dl(tls.train(), strata::DataLoaderOptions()
                                            .bs(64)
                                            .num_workers(workers)
                                            .after_item(strata::Pipeline({std::make_shared<strata::Resize>(224),
                                                                          std::make_shared<strata::ToTensor>()})));
    for (auto& b : dl) (void)b;  // warm-up epoch
    auto t = std::chrono::steady_clock::now();
    std::int64_t seen = 0;
    for (auto& b : dl) seen += b.at(0).tensor().size(0);
    return seen / seconds_since(t);
  };
  const double one = rate(0, 1), many = rate(threads, 1), reduced = rate(threads, 2);

  const std::string script =
      "import time, torch\n"
      "from PIL import Image\n"
      "from torch.utils.data import DataLoader\n"
      "torch.set_num_threads(1)\n"
      "files = [l.strip() for l in open('" + (fs::temp_directory_path() / "strata-bench-jpegs/list.txt").string() + "')]\n"
      "def load(f):\n"
      "    im = Image.open(f).convert('RGB'); w, h = im.size; s = min(w, h)\n"
      "    im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)).resize((224, 224), Image.BILINEAR)\n"
      "    return torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).view(224, 224, 3).permute(2, 0, 1)\n"
      "dl = DataLoader(files, batch_size=64, num_workers=" + std::to_string(threads) + ", collate_fn=lambda b: torch.stack([load(f) for f in b]))\n"
      "for b in dl: pass\n"
      "t = time.perf_counter(); k = sum(len(b) for b in dl)\n"
      "print(k / (time.perf_counter() - t))\n";
  {
    std::ofstream list(fs::temp_directory_path() / "strata-bench-jpegs/list.txt");
    for (const auto& f : files) list << f.string() << "\n";
  }
  const double python = std::stod(strata_bench::run_python(script, "strata-bench-jpegs.py"));

  std::cout << "data loading: " << n << " JPEGs 500x375 -> Resize(224) crop -> ToTensor -> collate (bs 64)\n";
  std::cout << "  bare OpenCV imread+resize, 1 thread:   " << bare << " img/s\n";
  std::cout << "  strata DataLoader, in-thread:          " << one << " img/s\n";
  std::cout << "  strata DataLoader, " << threads << " workers:            " << many << " img/s\n";
  std::cout << "  ratio " << threads << "-worker / (" << threads << " x bare): " << many / (threads * bare) << " (target >= 0.9)\n";
  std::cout << "  reduced JPEG decode (1/2), " << threads << " workers:   " << reduced << " img/s (x" << reduced / many << ")\n";
  std::cout << "  python DataLoader + PIL, " << threads << " workers:  " << python << " img/s\n";
  std::cout << "  ratio strata / python (same threads):  " << many / python << " (target >= 2)\n";
  return 0;
}
