// DynamicUnet(resnet34) forward + backward: strata against the same network built in Python
// (python3-torch/torchvision; the script below mirrors fastai's DynamicUnet with norm_type None),
// both measured in this run. The parameter counts are printed to show the two are the same model.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <torch/torch.h>

#include <strata/strata.h>

#include "bench_util.h"

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::stoi(argv[1]) : 5;
  const int64_t bs = 2, size = 128;
  auto unet = strata::create_unet_model("resnet34", 3, {size, size}, /*pretrained=*/false);
  unet->train();
  const auto x = torch::randn({bs, 3, size, size});
  auto step = [&] {
    unet->forward(x).mean().backward();
    for (auto& p : unet->parameters()) p.mutable_grad() = torch::Tensor();
  };
  // strata is measured before and after Python, and the two medians averaged, so that machine
  // drift during the run does not favour either side.
  const double ours_before = strata_bench::median_seconds(runs, step);

  const std::string script =
      "import time, torch, torch.nn as nn, torch.nn.functional as F, torchvision\n"
      "def conv(ni, nf, ks=3, act=True):\n"
      "    return nn.Sequential(*([nn.Conv2d(ni, nf, ks, padding=ks // 2)] + ([nn.ReLU()] if act else [])))\n"
      "def ps(ni, nf=None): nf = nf or ni; return nn.Sequential(conv(ni, nf * 4, 1), nn.PixelShuffle(2))\n"
      "class UnetBlock(nn.Module):\n"
      "    def __init__(self, up, xin, final_div):\n"
      "        super().__init__(); self.shuf = ps(up, up // 2); self.bn = nn.BatchNorm2d(xin)\n"
      "        ni = up // 2 + xin; nf = ni if final_div else ni // 2\n"
      "        self.conv1, self.conv2 = conv(ni, nf), conv(nf, nf)\n"
      "    def forward(self, up_in, s):\n"
      "        up = self.shuf(up_in)\n"
      "        if up.shape[-2:] != s.shape[-2:]: up = F.interpolate(up, s.shape[-2:], mode='nearest')\n"
      "        return self.conv2(self.conv1(F.relu(torch.cat([up, self.bn(s)], 1))))\n"
      "class Unet(nn.Module):\n"
      "    def __init__(self, n_out):\n"
      "        super().__init__()\n"
      "        self.enc = nn.Sequential(*list(torchvision.models.resnet34().children())[:-2])\n"
      "        self.bn = nn.BatchNorm2d(512); self.mid = nn.Sequential(conv(512, 1024), conv(1024, 512))\n"
      "        self.blocks = nn.ModuleList([UnetBlock(512, 256, True), UnetBlock(512, 128, True),\n"
      "                                     UnetBlock(384, 64, True), UnetBlock(256, 64, False)])\n"
      "        self.ps = ps(96); self.res = nn.Sequential(conv(99, 99), conv(99, 99, act=False))\n"
      "        self.final = conv(99, n_out, 1, act=False)\n"
      "    def forward(self, x):\n"
      "        orig, acts = x, []\n"
      "        for m in self.enc: x = m(x); acts.append(x)\n"
      "        x = self.mid(F.relu(self.bn(x)))\n"
      "        for b, i in zip(self.blocks, [6, 5, 4, 2]): x = b(x, acts[i])\n"
      "        x = self.ps(x)\n"
      "        if x.shape[-2:] != orig.shape[-2:]: x = F.interpolate(x, orig.shape[-2:], mode='nearest')\n"
      "        x = torch.cat([x, orig], 1); x = F.relu(self.res(x) + x)\n"
      "        return self.final(x)\n"
      "m = Unet(3).train(); x = torch.randn(" + std::to_string(bs) + ", 3, " + std::to_string(size) + ", " +
      std::to_string(size) + ")\n"
      "def step():\n"
      "    m(x).mean().backward(); m.zero_grad(set_to_none=True)\n"
      + strata_bench::python_timing("step()", runs, "sum(p.numel() for p in m.parameters())");
  std::istringstream out(strata_bench::run_python(script, "strata-bench-unet.py"));
  double python = 0;
  long long python_params = 0;
  out >> python >> python_params;
  const double ours = (ours_before + strata_bench::median_seconds(runs, step)) / 2;

  std::cout << "DynamicUnet(resnet34, n_out 3) forward + backward, batch " << bs << "x3x" << size << "x" << size
            << ", median of " << runs << "\n";
  std::cout << "  parameters: strata " << strata::count_parameters(*unet) << ", python " << python_params << "\n";
  std::cout << "  strata: " << ours * 1e3 << " ms, python: " << python * 1e3 << " ms\n";
  std::cout << "  ratio strata / python: " << ours / python << " (target <= 1)\n";
  return 0;
}
