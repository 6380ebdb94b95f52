// Loading a torchvision resnet50 .pth (98 MB): strata (read_state_dict + load_state_dict) against
// Python's torch.load + load_state_dict on the same file, both measured in this run.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <torch/torch.h>

#include "bench_util.h"
#include "strata/core/state_dict.h"
#include "strata/models/resnet.h"

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 7;
  const auto dir = std::filesystem::temp_directory_path() / "strata-bench-weights";
  std::filesystem::create_directories(dir);
  const auto file = (dir / "resnet50.pth").string();
  if (!std::filesystem::exists(file))
    strata_bench::shell("/usr/bin/python3 -c \"import torch, torchvision; torch.save(torchvision.models.resnet50()"
                        ".state_dict(), '" + file + "')\"");

  auto model = strata::resnet50();
  const double ours = strata_bench::median_seconds(runs, [&] { strata::load_state_dict(*model, file); });

  const std::string script =
      "import time, torch, torchvision\n"
      "m = torchvision.models.resnet50()\n"
      + strata_bench::python_timing("m.load_state_dict(torch.load('" + file + "'))", runs);
  const double python = std::stod(strata_bench::run_python(script, "strata-bench-weights.py"));

  const auto bytes = static_cast<double>(std::filesystem::file_size(file));
  std::cout << "weight loading: resnet50 .pth (" << bytes / 1e6 << " MB), median of " << runs << " runs\n";
  std::cout << "  strata read_state_dict + load_state_dict: " << ours * 1e3 << " ms\n";
  std::cout << "  python torch.load + load_state_dict:      " << python * 1e3 << " ms\n";
  std::cout << "  ratio strata / python: " << ours / python << " (target <= 1.5)\n";
  return 0;
}
