#!/usr/bin/env bash
# Fuzz the ONNX importer with libFuzzer for a bounded time.
#
#   scripts/fuzz.sh [SECONDS]        default 60
#
# Builds tools/onnx-import-fuzzer with clang-22 (-fsanitize=fuzzer,address,
# undefined) in build-fuzz/, replays the shipped fixtures once, writes a
# seed corpus (micro exports of every zoo family in both styles, the same
# graph structure as the fixtures with a few kB of weights, and the
# hand-made error-test models: scripts/fuzz_seeds.py), fuzzes for SECONDS
# (inputs up to 256 kB; new ones go to build-fuzz/corpus, which later runs
# resume from), and exits non-zero on any crash, leak, timeout
# (30 s per input) or sanitizer report; the reproducer is left in
# build-fuzz/artifacts/. Replay one with:
#   build-fuzz/bin/onnx-import-fuzzer build-fuzz/artifacts/crash-...
# Environment: BUILD_DIR (build-fuzz), JOBS (nproc), FUZZ_SEED (1: CI runs
# are reproducible; pick another to explore elsewhere).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-fuzz}"
JOBS="${JOBS:-$(nproc)}"
SECONDS_TO_RUN="${1:-60}"
PY=/usr/bin/python3
export CCACHE_BASEDIR="$ROOT"

command -v clang++-22 >/dev/null || {
  echo "fuzz.sh needs clang-22 and libclang-rt-22-dev (scripts/dev.sh installs them)" >&2
  exit 1
}
CC=clang-22 CXX=clang++-22 cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPIKESTACK_PYTHON="$PY" \
  -DSPIKESTACK_ENABLE_FUZZERS=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target onnx-import-fuzzer

seeds="$BUILD_DIR/seeds"
if [[ ! -f "$seeds/.complete" ]]; then
  rm -rf "$seeds" && mkdir -p "$seeds"
  "$PY" "$ROOT/scripts/fuzz_seeds.py" "$seeds"
  touch "$seeds/.complete"
fi

corpus="$BUILD_DIR/corpus"
artifacts="$BUILD_DIR/artifacts"
mkdir -p "$corpus" "$artifacts"
# Same allocator note as scripts/dev.sh: Debian's libMLIR.so is not
# instrumented and reads slabs our objects poison.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allow_user_poisoning=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "== the fixtures under the fuzz harness"
"$BUILD_DIR/bin/onnx-import-fuzzer" "$ROOT"/test/data/models/*.onnx 2>&1 | tail -2
echo "== fuzzing the ONNX importer for ${SECONDS_TO_RUN}s ($(ls "$seeds" | wc -l) seeds)"
status=0
"$BUILD_DIR/bin/onnx-import-fuzzer" "$corpus" "$seeds" \
  -max_total_time="$SECONDS_TO_RUN" -seed="${FUZZ_SEED:-1}" -timeout=30 -rss_limit_mb=4096 \
  -max_len=262144 -print_final_stats=1 -artifact_prefix="$artifacts/" \
  >"$BUILD_DIR/fuzz.log" 2>&1 || status=$?
grep -vE "^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)" "$BUILD_DIR/fuzz.log" | tail -40
if ((status != 0)); then
  echo "fuzz: the importer failed on an input (status $status); see $artifacts/" >&2
  exit "$status"
fi
echo "fuzz: no crash in ${SECONDS_TO_RUN}s"
