#!/usr/bin/env bash
# Installs what strata needs from Debian's apt registry when it is missing (idempotent: a no-op
# when everything is present). Usage: scripts/install-deps.sh [--tests]
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config git
  libtorch-dev libopencv-dev libfmt-dev libspdlog-dev nlohmann-json3-dev libcli11-dev libcurl4-openssl-dev zlib1g-dev
  # JPEG and PNG are read and written with the libraries PIL uses (the same pixels as fastai).
  libjpeg-dev libpng-dev
  # gloo's headers: c10d's ProcessGroupGloo.hpp includes them (data-parallel training).
  libgloo-dev
  # Debian's LibTorch calls whatever libblas.so.3 is installed; OpenBLAS is ~25x faster than the
  # reference BLAS for a 1024x1024 matmul (the alternatives system routes LibTorch to it).
  libopenblas0-pthread
  # Real data with no download: Fashion-MNIST and OpenCV's sample photos.
  dataset-fashion-mnist opencv-doc
)
if [[ "${1:-}" == "--tests" ]]; then
  # Catch2 and the Python reference tools that generate parity fixtures at test time.
  packages+=(catch2 python3 python3-torch python3-torchvision python3-pil python3-numpy)
  # pip, which scripts/unpack_wheels.py drives (its test, and the official LibTorch's install).
  packages+=(python3-pip)
  # clang with its runtime libraries: libFuzzer, AddressSanitizer and UBSan for scripts/fuzz.sh.
  packages+=(clang libclang-rt-14-dev)
  # The API reference (scripts/docs.sh), checked warning-free by the test script.
  packages+=(doxygen)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "strata: all dependencies present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "strata: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
