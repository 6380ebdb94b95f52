#!/usr/bin/env bash
# The GPU check, one prepared script for a machine with an NVIDIA GPU, CUDA, CMake, a compiler and
# Python's torch, but none of strata's C/C++ dependencies (no OpenCV, fmt, spdlog, ...):
#   1. builds strata (static: Debian's libpng.a cannot go into a shared library) against the
#      LibTorch inside Python's torch package, without OpenCV and libcurl (JPEG/PNG through the
#      static libjpeg/libpng of .gpu-deps, see scripts/gpu-deps.sh);
#   2. runs the [cuda] tests: device placement, pinned loader to the GPU, a training step, mixed
#      precision with the loss scaler, channels_last;
#   3. times the Pets Siamese flow at 224 px with resnet34 on 7,400 synthetic Pets-like JPEGs
#      (bench/gpu_siamese.cpp) while sampling the GPU's memory with nvidia-smi.
# Everything is printed and also written to $OUT/gpu-check.txt (the device tool's output folder;
# ./out/gpu-check otherwise). Meant to take under 8 minutes on a 16-core machine.
# Usage: scripts/gpu-deps.sh (on the Debian machine), then, on the GPU machine: scripts/gpu-check.sh
# Environment: STRATA_GPU_DEPS (default .gpu-deps), STRATA_TORCH_PREFIX (default: the folder of
# Python's torch package, above torch.utils.cmake_prefix_path: the prefix itself would let CMake
# find a system libtorch.so first where one exists), STRATA_GPU_PER_CLASS (default 200).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$root/out/gpu-check}"
mkdir -p "$out"
exec > >(tee "$out/gpu-check.txt") 2>&1
deps="${STRATA_GPU_DEPS:-$root/.gpu-deps}"
build="${STRATA_BUILD_DIR:-$root/build-gpu}"
per_class="${STRATA_GPU_PER_CLASS:-200}"
started=$SECONDS
step() { echo; echo "== [$((SECONDS - started)) s] $*"; }

step "machine"
date -u
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
echo "$(nproc) CPU threads; $(python3 --version 2>&1)"
python3 -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "GPU",
  torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")' 2>&1 || true
[[ -d "$deps" ]] || { echo "gpu-check: $deps is missing: run scripts/gpu-deps.sh on the Debian machine" >&2; exit 1; }
torch_prefix="${STRATA_TORCH_PREFIX:-$(python3 -c 'import os, torch
print(os.path.dirname(os.path.dirname(torch.utils.cmake_prefix_path)))')}"

step "configure (LibTorch from $torch_prefix)"
generator=(); command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$deps;$torch_prefix" -DSTRATA_WITH_OPENCV=OFF -DSTRATA_WITH_CURL=OFF -DBUILD_SHARED_LIBS=OFF \
  -DSTRATA_DISTRIBUTED=OFF -DSTRATA_BUILD_EXAMPLES=OFF -DSTRATA_BUILD_TESTS=ON -DSTRATA_BUILD_BENCH=ON || exit 1

step "build"
cmake --build "$build" --parallel "$(nproc)" --target strata_tests bench_gpu_siamese || exit 1

step "[cuda] tests"
"$build/tests/strata_tests" "[cuda]" --durations yes
tests_rc=$?

step "Siamese flow: $((37 * per_class)) synthetic JPEGs, bench_gpu_siamese $*"
memory_log="$out/gpu-memory.csv"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$memory_log" 2>/dev/null &
  sampler=$!
fi
"$build/bench/bench_gpu_siamese" --per-class "$per_class" --data "$build/synthetic-pets" "$@"
bench_rc=$?
if [[ -n "${sampler:-}" ]]; then
  kill "$sampler" 2>/dev/null
  echo "peak GPU memory used (nvidia-smi, whole device): $(sort -n "$memory_log" | tail -1) MiB"
fi

step "done: tests exit $tests_rc, benchmark exit $bench_rc"
exit $(( tests_rc != 0 || bench_rc != 0 ))
