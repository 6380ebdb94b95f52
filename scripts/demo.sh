#!/usr/bin/env bash
# Installs what is missing, builds strata in Release, and runs the main example on its embedded
# default data. Extra arguments go to the example.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
STRATA_BUILD_DIR="$build" "$root/scripts/build.sh" -DSTRATA_BUILD_TESTS=OFF
"$build/examples/pipeline_demo/pipeline_demo" --out "$root/out/pipeline_demo" "$@"
