#!/usr/bin/env bash
# Builds and runs every benchmark; each prints its ratio against a baseline measured in the same run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"
"$root/scripts/install-deps.sh" --tests
STRATA_BUILD_DIR="$build" "$root/scripts/build.sh" -DSTRATA_BUILD_BENCH=ON
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$build/bench/bench_weight_loading"
"$build/bench/bench_data_loading"
"$build/bench/bench_learner_overhead"
"$build/bench/bench_unet_speed"
"$build/bench/bench_distributed_scaling"
"$build/bench/bench_memory"
"$build/bench/bench_channels_last"
"$build/bench/bench_threads"
"$build/bench/bench_siamese_epoch"
echo "bench/fastai_e2e.sh compares the whole Siamese walk-through with the real fastai (installs it privately)"
