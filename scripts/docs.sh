#!/usr/bin/env bash
# Generates the API reference of the public headers with Doxygen into build/docs/api/html
# (STRATA_DOCS_OUT overrides) and fails on any Doxygen warning.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${STRATA_DOCS_OUT:-$root/build/docs/api}"
command -v doxygen >/dev/null || { echo "doxygen is missing: apt install doxygen" >&2; exit 1; }
mkdir -p "$out"
cd "$root"
if ! STRATA_DOCS_OUT="$out" doxygen docs/Doxyfile; then
  cat "$out/warnings.txt" >&2
  exit 1
fi
if [[ -s "$out/warnings.txt" ]]; then
  cat "$out/warnings.txt" >&2
  exit 1
fi
echo "API reference: $out/html/index.html"
