#!/usr/bin/env bash
# strata against the real fastai 2.7.13, end to end (bench_fastai_e2e): installs fastai over
# Debian's python3-torch into a private folder (no test or library depends on it), builds the
# benchmark and runs it at 32 and 64 px. Usage: bench/fastai_e2e.sh [bench_fastai_e2e options]
# Environment: STRATA_FASTAI_DIR (default ~/.cache/strata/fastai-2.7.13), STRATA_BUILD_DIR.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STRATA_BUILD_DIR:-$root/build}"
site="${STRATA_FASTAI_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/strata/fastai-2.7.13}"
python=/usr/bin/python3

"$root/scripts/install-deps.sh" --tests
if ! PYTHONPATH="$site" "$python" -c "import fastai.vision.all" 2>/dev/null; then
  # fastai and the packages its vision API imports, with --no-deps so Debian's torch, torchvision,
  # numpy and PIL stay the ones used; versions that work with Debian 12's numpy 1.24.
  # fastprogress must be 1.0.3: newer ones break fastai 2.7.13's import.
  rm -rf "$site"
  "$python" -m pip install -q --disable-pip-version-check --no-deps --target "$site" \
    fastai==2.7.13 fastcore==1.5.29 fastprogress==1.0.3 fastdownload==0.0.8 packaging pandas==2.0.3 pytz tzdata \
    scipy==1.11.4 matplotlib==3.7.5 contourpy==1.2.1 cycler fonttools kiwisolver pyparsing scikit-learn==1.3.2 \
    joblib==1.3.2 threadpoolctl
fi
PYTHONPATH="$site" "$python" -c "import fastai, torch; print('fastai', fastai.__version__, 'torch', torch.__version__)"
STRATA_BUILD_DIR="$build" "$root/scripts/build.sh" -DSTRATA_BUILD_BENCH=ON >/dev/null
for size in 32 64; do
  "$build/bench/bench_fastai_e2e" --size "$size" --pythonpath "$site" "$@"
done
