#!/usr/bin/env bash
# The GPU check, one prepared script for a machine with an NVIDIA GPU, CUDA, CMake, a compiler and
# Python's torch, but none of strata's C/C++ dependencies (no OpenCV, fmt, spdlog, ...):
#   1. takes the executables prebuilt on the Debian machine (.gpu-bin, see --build-only) when they
#      start against this machine's LibTorch, else builds strata (static: Debian's libpng.a cannot
#      go into a shared library) against the LibTorch inside Python's torch package, without OpenCV
#      and libcurl (JPEG/PNG through the static libjpeg/libpng of .gpu-deps, scripts/gpu-deps.sh);
#   2. runs the [cuda] tests: device placement, pinned loader to the GPU, a training step, mixed
#      precision with the loss scaler, channels_last, a DynamicUnet step;
#   3. times the Pets Siamese flow at 224 px with resnet34 on 7,400 synthetic Pets-like JPEGs
#      (bench/gpu_siamese.cpp) while sampling the GPU's memory with nvidia-smi, then the same flow
#      in plain PyTorch on the same files (bench/gpu_siamese.py), and prints the ratios.
# Everything is printed and also written to $OUT/gpu-check.txt (the device tool's output folder;
# ./out/gpu-check otherwise).
#
# Usage, on the Debian machine (rehearsal and prebuild; needs the CUDA LibTorch of the GPU
# machine's torch version, scripts/install-libtorch.sh VERSION):
#   scripts/gpu-deps.sh && STRATA_TORCH_PREFIX=$(scripts/install-libtorch.sh 2.11.0) scripts/gpu-check.sh --build-only
# then on the GPU machine (carry .gpu-deps and .gpu-bin):   scripts/gpu-check.sh [bench_gpu_siamese options]
# Environment: STRATA_GPU_DEPS (default .gpu-deps), STRATA_GPU_BIN (default .gpu-bin),
# STRATA_TORCH_PREFIX (default: the folder of Python's torch package, above
# torch.utils.cmake_prefix_path: the prefix itself would let CMake find a system libtorch.so first
# where one exists), STRATA_GPU_PER_CLASS (default 200), STRATA_GPU_PYTHON (default 1: run the
# PyTorch side).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build_only=0
if [[ "${1:-}" == "--build-only" ]]; then build_only=1; shift; fi
out="${OUT:-$root/out/gpu-check}"
mkdir -p "$out"
exec > >(tee "$out/gpu-check.txt") 2>&1
deps="${STRATA_GPU_DEPS:-$root/.gpu-deps}"
bin="${STRATA_GPU_BIN:-$root/.gpu-bin}"
build="${STRATA_BUILD_DIR:-$root/build-gpu}"
per_class="${STRATA_GPU_PER_CLASS:-200}"
started=$SECONDS
step() { echo; echo "== [$((SECONDS - started)) s] $*"; }

step "machine"
date -u
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
echo "$(nproc) CPU threads; $(python3 --version 2>&1); $(c++ --version 2>/dev/null | head -1)"
python3 -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version(),
  "GPU", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")' 2>&1 || true
[[ -d "$deps" ]] || { echo "gpu-check: $deps is missing: run scripts/gpu-deps.sh on the Debian machine" >&2; exit 1; }
torch_prefix="${STRATA_TORCH_PREFIX:-$(python3 -c 'import os, torch
print(os.path.dirname(os.path.dirname(torch.utils.cmake_prefix_path)))')}"
# The prebuilt executables' RUNPATH names the Debian machine's folders: here LibTorch's libraries
# (and, through their own RUNPATH, the nvidia-* packages beside them) come from this torch.
nvidia_libs="$(find "$(dirname "$torch_prefix")/nvidia" -maxdepth 3 -name lib -type d 2>/dev/null | tr '\n' ':')"
export LD_LIBRARY_PATH="$torch_prefix/lib:$nvidia_libs${LD_LIBRARY_PATH:-}"

runs() { [[ -x "$1" ]] && "$1" --help >/dev/null 2>&1; }
tests="$bin/strata_cuda_tests" bench="$bin/bench_gpu_siamese"
if (( build_only )) || ! runs "$tests" || ! runs "$bench"; then
  (( build_only )) || { echo "prebuilt executables in $bin missing or not starting:"; ldd "$tests" 2>&1 | grep -i "not found"; }
  step "configure (LibTorch from $torch_prefix)"
  generator=(); command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$deps;$torch_prefix" -DSTRATA_WITH_OPENCV=OFF -DSTRATA_WITH_CURL=OFF -DBUILD_SHARED_LIBS=OFF \
    -DSTRATA_DISTRIBUTED=OFF -DSTRATA_BUILD_EXAMPLES=OFF -DSTRATA_BUILD_TESTS=ON -DSTRATA_BUILD_BENCH=ON || exit 1
  step "build"
  cmake --build "$build" --parallel "$(nproc)" --target strata_cuda_tests bench_gpu_siamese || exit 1
  mkdir -p "$bin"
  for exe in "$build/tests/strata_cuda_tests" "$build/bench/bench_gpu_siamese"; do
    strip -o "$bin/$(basename "$exe")" "$exe" || exit 1
  done
  ls -l "$bin"
  tests="$bin/strata_cuda_tests" bench="$bin/bench_gpu_siamese"
  # A rehearsal without a GPU: every CUDA case reports its skip, the benchmark runs at a small scale.
  if (( build_only )); then
    step "rehearsal: [cuda] tests and a tiny benchmark on $(python3 -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")' 2>/dev/null || echo cpu)"
    "$tests" "[cuda]" || exit 1
    "$bench" --device cpu --arch resnet18 --size 32 --bs 16 --per-class 4 --data "$build/synthetic-pets-rehearsal" || exit 1
    exit 0
  fi
fi

step "[cuda] tests"
"$tests" "[cuda]" --durations yes
tests_rc=$?

step "Siamese flow: $((37 * per_class)) synthetic JPEGs, bench_gpu_siamese $*"
data="$root/out/synthetic-pets"
# Runs a command with the GPU's memory sampled every 200 ms; prints the peak (the whole device's,
# so the CUDA context's few hundred MiB are in it).
sampled() {
  local log="$out/gpu-memory-$1.csv"; shift
  local sampler=""
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$log" 2>/dev/null &
    sampler=$!
  fi
  "$@"
  local rc=$?
  if [[ -n "$sampler" ]]; then
    kill "$sampler" 2>/dev/null
    echo "peak GPU memory used (nvidia-smi, whole device): $(sort -n "$log" | tail -1) MiB"
  fi
  return $rc
}
sampled strata "$bench" --per-class "$per_class" --data "$data" "$@" | tee "$out/strata.txt"
bench_rc=${PIPESTATUS[0]}

python_rc=0
if [[ "${STRATA_GPU_PYTHON:-1}" == 1 ]]; then
  step "the same flow in PyTorch $(python3 -c 'import torch; print(torch.__version__)' 2>/dev/null) (bench/gpu_siamese.py)"
  export PYTHONUNBUFFERED=1
  sampled pytorch python3 "$root/bench/gpu_siamese.py" --data "$data" "$@" | tee "$out/pytorch.txt"
  python_rc=${PIPESTATUS[0]}
  step "ratios, PyTorch seconds / strata seconds (above 1: strata faster)"
  awk -F'|' 'FNR == NR && /^\| .* s \|/ { s[$2] = $3 + 0; next }
             /^\| .* s \|/ && ($2 in s) { printf "|%s| strata %.2f s | PyTorch %.2f s | %.2fx |\n", $2, s[$2], $3 + 0, ($3 + 0) / s[$2] }' \
    "$out/strata.txt" "$out/pytorch.txt"
fi

step "done: tests exit $tests_rc, strata benchmark exit $bench_rc, PyTorch benchmark exit $python_rc"
exit $(( tests_rc != 0 || bench_rc != 0 || python_rc != 0 ))
