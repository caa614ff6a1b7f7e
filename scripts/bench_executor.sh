#!/usr/bin/env bash
# Executor benchmark (issue: backend): wall time of
#   snn-run PROGRAM --input image=X.npy --report R.json --quiet
# for Spikformer-4-384 (zoo export, T=4, one CIFAR image, int8) compiled
# for 3d-mol with 2 MiB banks (all 9 MB of its weights resident: the
# executor's own speed, without weight streaming). The executor is
# single-threaded. Reports simulated cycles per second and synaptic events
# per second, then how wall time scales with firing rate: the input image
# scaled by 0.02 .. 16 drives the network's mean firing rate.
#
#   scripts/bench_executor.sh
# Environment: BUILD_DIR (build), CACHE (/tmp/spikestack-bench), RUNS (3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
CACHE="${CACHE:-/tmp/spikestack-bench}"
RUNS="${RUNS:-3}"
PY=/usr/bin/python3
m=spikformer_cifar_4_384
mkdir -p "$CACHE"
if [[ ! -f "$CACHE/$m.onnx" ]]; then
  PYTHONPATH="$ROOT/python" "$PY" -m spikestack.export "$m" "$CACHE" \
    --style traced --no-verify > "$CACHE/$m.export.log"
fi
target=$("$PY" "$ROOT/scripts/scale_target.py" 3d-mol 2 "$CACHE")
"$BUILD_DIR/bin/snn-compile" "$CACHE/$m.onnx" --target "$target" \
  -o "$CACHE/$m.snnp"
printf "%-8s %8s %10s %12s %14s %14s %16s\n" scale rate wall_s peak_RSS_MB \
  cycles Mcycles/s Msyn_events/s
for scale in 0.02 0.05 0.1 0.25 1 4 16; do
  "$PY" -c "import numpy as np; x = np.load('$CACHE/$m.input.npy'); np.save('$CACHE/in-$scale.npy', (x * $scale).astype(np.float32))"
  best=999999; rss=0
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -f "%e %M" -o "$CACHE/time.txt" \
      "$BUILD_DIR/bin/snn-run" "$CACHE/$m.snnp" --input image="$CACHE/in-$scale.npy" \
      --output-dir "$CACHE/out" --report "$CACHE/exec-$scale.json" --quiet
    read -r secs kb < "$CACHE/time.txt"
    best=$("$PY" -c "print(min($best, $secs))"); rss=$((kb / 1024))
  done
  "$PY" - "$CACHE/exec-$scale.json" "$scale" "$best" "$rss" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
scale, wall, rss = sys.argv[2], float(sys.argv[3]), sys.argv[4]
rates = list(r["firing_rate"].values())
rate = sum(rates) / len(rates)
ev = r["counters"]["synaptic_events"]
print(f"{scale:<8} {rate:8.3f} {wall:10.2f} {rss:>12} {r['cycles']:14d} "
      f"{r['cycles'] / wall / 1e6:14.2f} {ev / wall / 1e6:16.1f}")
PY
done
