#!/usr/bin/env bash
# Installs what is missing, builds strata and its tests, and runs the whole test suite with CTest.
# Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"

mkdir -p "$build"
free_disk() { df -h --output=avail "$build" | tail -1 | tr -d ' '; }
stage() { echo; echo "== $1 ($(date +%H:%M:%S), $(free_disk) free on disk)"; }
# The check builds below (sanitizers, fuzzers, LibTorch 2.x) are removed once they pass, so the
# disk holds at most two builds at a time (~2 GB each, with their test outputs); STRATA_KEEP_BUILDS=1
# keeps them.
prune() { if [[ "${STRATA_KEEP_BUILDS:-0}" != "1" ]]; then rm -rf "$1"; fi; }

stage "dependencies"
"$root/scripts/install-deps.sh" --tests

stage "API reference (Doxygen over the public headers, warnings are errors)"
STRATA_DOCS_OUT="$build/docs/api" "$root/scripts/docs.sh"

stage "build (C++17, warnings are errors)"
STRATA_BUILD_DIR="$build" "$root/scripts/build.sh" -DSTRATA_BUILD_TESTS=ON -DSTRATA_WERROR=ON

stage "architecture: the layers include only downward, every public header compiles on its own"
/usr/bin/python3 "$root/scripts/check_layers.py" "$root"
/usr/bin/python3 "$root/scripts/check_headers.py" "$build"

stage "tests (Debian's LibTorch 1.13)"
(cd "$build" && ctest --output-on-failure --parallel "$(nproc)")

# One more build does two jobs: C++20 (fmt checks format strings at compile time) and
# AddressSanitizer + UBSan over the library, the examples and the unit tests. Leaks are not
# checked: LibTorch keeps allocations alive until exit on purpose.
stage "build with AddressSanitizer + UBSan, as C++20"
STRATA_BUILD_DIR="$build-asan" "$root/scripts/build.sh" -DCMAKE_CXX_STANDARD=20 -DSTRATA_SANITIZE=address,undefined \
  -DSTRATA_BUILD_TESTS=ON -DSTRATA_WERROR=ON
stage "tests under AddressSanitizer + UBSan (all but the package test)"
(cd "$build-asan" && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure --parallel "$(nproc)" -LE package)
prune "$build-asan"

stage "fuzz the readers of untrusted files (libFuzzer, clang, ASan + UBSan; ${STRATA_FUZZ_SECONDS:-30} s each)"
STRATA_BUILD_DIR="$build-fuzz" "$root/scripts/fuzz.sh"
prune "$build-fuzz"

# The official LibTorch 2.x with CUDA, as most users have it (PyPI's torch wheel; no GPU needed to
# build it and to run the CPU suite). STRATA_SKIP_TORCH2=1 skips it for a quick local run.
if [[ "${STRATA_SKIP_TORCH2:-0}" != "1" ]]; then
  stage "official LibTorch 2.x (CUDA build from PyPI): install"
  prefix="$("$root/scripts/install-libtorch.sh")"
  stage "official LibTorch 2.x: build (C++17, warnings are errors)"
  STRATA_BUILD_DIR="$build-torch2" "$root/scripts/build.sh" -DCMAKE_PREFIX_PATH="$prefix" -DSTRATA_BUILD_TESTS=ON \
    -DSTRATA_WERROR=ON
  stage "official LibTorch 2.x: tests"
  # The wheel's OpenMP spins while it waits; with two test processes on two cores that halves the
  # speed (docs/performance.md). Passive waiting is what a loaded machine wants.
  (cd "$build-torch2" && OMP_WAIT_POLICY=PASSIVE ctest --output-on-failure --parallel "$(nproc)")
  prune "$build-torch2"
fi
stage "done"
