#!/usr/bin/env bash
# Import benchmark (issue: ONNX front end): wall time and peak RSS of
#   snn-translate --import-onnx MODEL.onnx
# for zoo models exported once into a cache directory (random weights).
#
#   scripts/bench_import.sh [MODEL ...]    default: spikformer_cifar_4_384
#                                                   spikformer_imagenet_8_768
# Environment: BUILD_DIR (build), CACHE (/tmp/spikestack-bench), RUNS (3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
CACHE="${CACHE:-/tmp/spikestack-bench}"
RUNS="${RUNS:-3}"
models=("$@")
((${#models[@]})) || models=(spikformer_cifar_4_384 spikformer_imagenet_8_768)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
mkdir -p "$CACHE"
printf "%-28s %10s %12s %10s %12s %10s\n" model params model_MB best_s peak_RSS_MB RSS/model
for m in "${models[@]}"; do
  if [[ ! -f "$CACHE/$m.onnx" ]]; then
    PYTHONPATH="$ROOT/python" /usr/bin/python3 -m spikestack.export "$m" "$CACHE" \
      --style traced --no-verify > "$CACHE/$m.export.log"
  fi
  params=$(/usr/bin/python3 -c "import json; print(json.load(open('$CACHE/$m.json'))['parameters'])")
  bytes=$(stat -c %s "$CACHE/$m.onnx")
  best=999999; rss=0
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -f "%e %M" -o "$CACHE/time.txt" \
      "$BUILD_DIR/bin/snn-translate" --import-onnx "$CACHE/$m.onnx" -o "$CACHE/$m.bench.mlir"
    read -r secs kb < "$CACHE/time.txt"
    best=$(/usr/bin/python3 -c "print(min($best, $secs))")
    rss=$((kb > rss ? kb : rss))
  done
  /usr/bin/python3 -c "print('%-28s %10d %12.1f %10.2f %12.0f %10.2f' % ('$m', $params, $bytes/1e6, $best, $rss/1024, $rss*1024/$bytes))"
done
