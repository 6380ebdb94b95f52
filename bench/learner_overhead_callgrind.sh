#!/usr/bin/env bash
# The Learner's overhead as an instruction count (valgrind --tool=callgrind), which unlike wall
# time does not move with the machine's load: one epoch of bench_learner_overhead's small CNN,
# single-threaded, hand-written loop vs Learner.fit_one_cycle (same work) vs with accuracy.
# Usage: bench/learner_overhead_callgrind.sh [build dir]   (needs valgrind; ~5 minutes)
set -euo pipefail
build="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build}"
exe="$build/bench/bench_learner_overhead"
count() {
  local log
  log=$(mktemp)
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/dev/null "$exe" --count "$1" 2>"$log" >/dev/null
  grep -o 'Collected : [0-9]*' "$log" | grep -o '[0-9]*'
  rm -f "$log"
}
hand=$(count hand)
learner=$(count learner)
metrics=$(count learner_metrics)
echo "instructions for one epoch (32 training + 8 validation batches of 64, small CNN, 1 thread):"
echo "  hand-written loop:                 $hand"
echo "  Learner.fit_one_cycle:             $learner ($(python3 -c "print(f'{($learner / $hand - 1) * 100:+.2f} %')"))"
echo "  Learner.fit_one_cycle + accuracy:  $metrics ($(python3 -c "print(f'{($metrics / $hand - 1) * 100:+.2f} %')"))"
