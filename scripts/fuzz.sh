#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UBSan) and runs each from its committed
# seeds for STRATA_FUZZ_SECONDS (default 30) with libFuzzer's fixed random seed STRATA_FUZZ_SEED
# (default 1: the run is reproducible; 0 explores with a new seed each run). Findings are written as
# crash-* files in the build folder and make the run fail.
# Usage: scripts/fuzz.sh   (STRATA_BUILD_DIR overrides ./build-fuzz)
# Exploring: STRATA_FUZZ_SEED=0 STRATA_FUZZ_SECONDS=600 scripts/fuzz.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build-fuzz}"
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DSTRATA_BUILD_FUZZERS=ON -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_EXAMPLES=OFF -DSTRATA_USE_PCH=OFF \
  -DSTRATA_FUZZ_SECONDS="${STRATA_FUZZ_SECONDS:-30}" -DSTRATA_FUZZ_SEED="${STRATA_FUZZ_SEED:-1}" "$@"
cmake --build "$build" --parallel "$(nproc)" --target fuzz_pth fuzz_pickle fuzz_safetensors fuzz_idx fuzz_image
cd "$build/fuzz"
ctest --output-on-failure --parallel "$(nproc)" -L fuzz
