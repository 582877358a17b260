#!/usr/bin/env bash
# benchmarks/quality.py on a many-core machine: every (run, seed) in its own one-thread process, P at a time,
# the slowest runs (WGAN-GP: 5 critic steps per generator step) first; then one report from all results.
#
#   benchmarks/parallel_quality.sh 16 runs/bench_quality_parallel 0 1 2    # P, results folder, seeds
#
# The report goes to <folder>/quality.md (copy it into docs/BENCHMARKS.md with
# `python benchmarks/quality.py --report-only --out <folder> --seeds ...`, which also names the machine).
set -euo pipefail
cd "$(dirname "$0")/.."
P=${1:?processes}; OUT=${2:?results folder}; shift 2; SEEDS=${*:-0 1 2}
PY=${PYTHON:-python}
mkdir -p "$OUT"
RUNS=${ONLY:-}  # ONLY="gmm8/ring8 dcgan/digits": just those runs
[ -n "$RUNS" ] || RUNS=$($PY -c "
from benchmarks.quality import TOY_RUNS, DIGITS_RUNS
runs = TOY_RUNS + DIGITS_RUNS
print(' '.join(sorted(runs, key=lambda r: (not r.startswith('wgan_gp'), not r.startswith('pacgan'), r))))")
for run in $RUNS; do for seed in $SEEDS; do echo "$run $seed"; done; done |
  OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 xargs -P "$P" -n 2 sh -c '
    name=$(echo "$0" | tr / _)
    '"$PY"' benchmarks/quality.py --seeds "$1" --only "$0" --out "'"$OUT"'" --doc "'"$OUT"'/doc_${name}_$1.md" \
      --results-name "results_${name}_$1.json" > "'"$OUT"'/log_${name}_$1.txt" 2>&1 || echo "FAILED: $0 seed $1"'
$PY benchmarks/quality.py --report-only --out "$OUT" --seeds $SEEDS --doc "$OUT/quality.md" > /dev/null
echo "report: $OUT/quality.md"
