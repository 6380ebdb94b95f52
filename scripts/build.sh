#!/usr/bin/env bash
# Configures and builds strata in Release with Ninja, ccache and the precompiled header.
# Usage: scripts/build.sh [extra cmake -D options...]   (STRATA_BUILD_DIR overrides ./build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"

# ccache and precompiled headers work together only with these sloppiness settings.
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
# Paths relative to the checkout, so clones in other folders (CI) hit the same cache entries.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" --parallel "$(nproc)"
