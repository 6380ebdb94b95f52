#!/usr/bin/env bash
# Installs the official LibTorch 2.x (CUDA build) from PyPI's torch wheel into a private folder and
# prints the CMake prefix to pass as CMAKE_PREFIX_PATH. The wheel is a complete LibTorch (headers,
# shared libraries, share/cmake/Torch); its CUDA runtime comes from the nvidia-* wheels unpacked
# next to it, found through torch's own RUNPATH, so no GPU or driver is needed to build and to run
# the CPU code paths. Idempotent: a second call only prints the prefix.
#
# Usage: scripts/install-libtorch.sh [version]   (default $STRATA_TORCH2_VERSION or 2.9.1)
# Folder: $STRATA_TORCH2_DIR (default ~/.cache/strata/libtorch-<version>), ~6 GB; it is the cache:
# nothing else is kept, so a new folder downloads again (~3.5 GB).
set -euo pipefail
version="${1:-${STRATA_TORCH2_VERSION:-2.9.1}}"
dir="${STRATA_TORCH2_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/strata/libtorch-$version}"
# The wheel's torch/ folder as the prefix: TorchConfig then finds torch/lib before /usr/lib (where
# Debian's libtorch.so would otherwise win).
prefix="$dir/torch"

if [[ ! -f "$prefix/share/cmake/Torch/TorchConfig.cmake" ]]; then
  python=python3
  if ! "$python" -m pip --version >/dev/null 2>&1; then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get install -y -q --no-install-recommends python3-pip >&2
  fi
  echo "strata: installing torch==$version (LibTorch with CUDA) into $dir" >&2
  # One wheel at a time, without pip's cache: the disk peaks at 6.1 GB instead of the 10.7 GB of
  # `pip install --target` (measured). triton is left out: it serves torch.compile, not LibTorch.
  rm -rf "$dir.partial"
  "$python" "$(dirname "${BASH_SOURCE[0]}")/unpack_wheels.py" "$dir.partial" "torch==$version" --skip triton >&2
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
fi
echo "$prefix"
