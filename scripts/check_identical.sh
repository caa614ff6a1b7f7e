#!/usr/bin/env bash
# Fingerprints what the toolchain produces for the shipped models, so that a
# refactoring can show it changes nothing: for both shipped models on every
# preset, the imported IR, the lowered IR, the program (binary and
# assembly), the plan report, the executor's outputs, report and trace.
#
#   scripts/check_identical.sh record FILE   write the fingerprints to FILE
#   scripts/check_identical.sh check FILE    compare with FILE (exit 1 and
#                                            the differing artefacts if any)
#
# Environment: BUILD_DIR (default build).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BUILD_DIR:-$ROOT/build}/bin"
mode="${1:-}" file="${2:-}"
[[ ( "$mode" == record || "$mode" == check ) && -n "$file" ]] || {
  echo "usage: $0 record|check FILE" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for model in spikformer-c1-128 sdtmoe-1-128; do
  m="$ROOT/test/data/models/$model"
  "$BIN/snn-translate" --import-onnx "$m.onnx" -o "$work/$model.mlir"
  for target in 2d 3d-mol 3d-lol; do
    p="$work/$model-$target"
    "$BIN/snn-compile" "$m.onnx" --target "$target" --emit=hw -o "$p.hw.mlir"
    "$BIN/snn-compile" "$m.onnx" --target "$target" -o "$p.snnp" \
      --plan-report "$p.plan.json"
    "$BIN/snn-asm" -d "$p.snnp" -o "$p.s"
    "$BIN/snn-run" "$p.snnp" \
      --input image="$m.input.npy" --output-dir "$p.out" \
      --report "$p.report.json" --trace "$p.trace.json" > "$p.summary.txt"
  done
done
(cd "$work" && find . -type f ! -name manifest ! -name diff | LC_ALL=C sort | xargs sha256sum) > "$work/manifest"
if [[ "$mode" == record ]]; then
  cp "$work/manifest" "$file"
  echo "recorded $(wc -l < "$file") artefacts in $file"
else
  if diff <(cat "$file") "$work/manifest" > "$work/diff"; then
    echo "identical: $(wc -l < "$file") artefacts"
  else
    echo "DIFFERENT:" >&2; cat "$work/diff" >&2; exit 1
  fi
fi
