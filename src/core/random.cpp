#include "strata/core/random.h"

#include <atomic>

#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/utils.h>

namespace strata {
namespace {

std::atomic<std::uint64_t> global_seed{0};

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t derive_seed(std::initializer_list<std::uint64_t> parts) {
  std::uint64_t h = 0x243F6A8885A308D3ULL;
  for (auto p : parts) h = splitmix64(h ^ splitmix64(p));
  return h;
}

void seed_everything(std::uint64_t seed) {
  global_seed = seed;
  torch::manual_seed(seed);
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
}

std::uint64_t default_seed() { return global_seed.load(); }

}  // namespace strata
