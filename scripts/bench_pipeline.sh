#!/usr/bin/env bash
# Pipeline benchmark (issue: lowering): wall time and peak RSS of
#   snn-opt MODEL.mlir --snn-to-hw="target=T plan-report=R.json" -o HW.mlir
# on zoo models imported once (random weights; scripts/bench_import.sh's
# cache). The published configurations' int8 weights (9 MB and 66 MB) do
# not fit the presets' 1 MiB of weight banks, so by default the target is
# 3d-mol with every bank scaled to 16 MiB (same cores and floorplan
# shape): the benchmark measures the compiler, not the fit.
#
#   scripts/bench_pipeline.sh [MODEL ...]  default: spikformer_cifar_4_384
#                                                   spikformer_imagenet_8_768
# Environment: BUILD_DIR (build), CACHE (/tmp/spikestack-bench), RUNS (3),
#              TARGET (a preset or file; default the scaled 3d-mol).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
CACHE="${CACHE:-/tmp/spikestack-bench}"
RUNS="${RUNS:-3}"
models=("$@")
((${#models[@]})) || models=(spikformer_cifar_4_384 spikformer_imagenet_8_768)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
mkdir -p "$CACHE"
if [[ -z "${TARGET:-}" ]]; then
  TARGET=$(/usr/bin/python3 "$ROOT/scripts/scale_target.py" 3d-mol 16 "$CACHE")
fi
printf "%-28s %10s %10s %12s %14s\n" model params best_s peak_RSS_MB makespan_cycles
for m in "${models[@]}"; do
  if [[ ! -f "$CACHE/$m.onnx" ]]; then
    PYTHONPATH="$ROOT/python" /usr/bin/python3 -m spikestack.export "$m" "$CACHE" \
      --style traced --no-verify > "$CACHE/$m.export.log"
  fi
  [[ -f "$CACHE/$m.mlir" ]] || "$BUILD_DIR/bin/snn-translate" --import-onnx "$CACHE/$m.onnx" -o "$CACHE/$m.mlir"
  params=$(/usr/bin/python3 -c "import json; print(json.load(open('$CACHE/$m.json'))['parameters'])")
  best=999999; rss=0
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -f "%e %M" -o "$CACHE/time.txt" \
      "$BUILD_DIR/bin/snn-opt" "$CACHE/$m.mlir" \
      --snn-to-hw="target=$TARGET plan-report=$CACHE/$m.plan.json" -o "$CACHE/$m.hw.mlir"
    read -r secs kb < "$CACHE/time.txt"
    best=$(/usr/bin/python3 -c "print(min($best, $secs))")
    rss=$((kb > rss ? kb : rss))
  done
  makespan=$(/usr/bin/python3 -c "import json; print(json.load(open('$CACHE/$m.plan.json'))['makespan_cycles'])")
  /usr/bin/python3 -c "print('%-28s %10d %10.2f %12.0f %14d' % ('$m', $params, $best, $rss/1024, $makespan))"
done
