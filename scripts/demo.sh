#!/usr/bin/env bash
# Installs what is missing, builds strata in Release, and runs the main example on its embedded
# default data. Extra arguments go to the example.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
STRATA_BUILD_DIR="$build" "$root/scripts/build.sh" -DSTRATA_BUILD_TESTS=OFF
# The Pets Siamese walk-through; with no arguments on its embedded default (Fashion-MNIST from
# Debian: a body pretrained here, then the Siamese task with and without it). Pass --data DIR for
# a real Oxford-IIIT Pets folder.
"$build/examples/pets_siamese/pets_siamese" --out "$root/out/pets_siamese" "$@"
