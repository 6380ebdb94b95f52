#pragma once
/// Seeding and the generators every random component of strata draws from.
///
/// Shuffling and augmentation take their randomness from an Rng derived from
/// (seed, epoch, index), so results never depend on the number of loader threads or their timing.

#include <cstdint>
#include <initializer_list>
#include <random>

namespace strata {

/// Mixes several integers into one well-spread 64-bit seed (splitmix64 over the sequence).
std::uint64_t derive_seed(std::initializer_list<std::uint64_t> parts);

/// A small, copyable pseudo-random generator with the draws fastai's transforms need.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

  /// A uniform double in [0, 1) (Python: random.random()).
  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_); }
  /// A uniform double in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  /// A uniform integer in [low, high], both ends included (Python: random.randint).
  std::int64_t randint(std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(engine_);
  }
  /// True with probability p.
  bool bernoulli(double p) { return uniform() < p; }
  /// A raw 64-bit draw, e.g. to seed a LibTorch generator.
  std::uint64_t next_u64() { return engine_(); }

  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

/// Seeds LibTorch's global generators (CPU and, when present, CUDA) and strata's default seed.
/// For applications and tests; library code never calls it (fastai: set_seed).
void seed_everything(std::uint64_t seed);

/// The seed set by the last seed_everything (0 before any call); used where no seed is given.
std::uint64_t default_seed();

}  // namespace strata
