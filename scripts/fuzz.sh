#!/usr/bin/env bash
# Fuzz the ONNX importer and the program container + executor with libFuzzer
# for a bounded time.
#
#   scripts/fuzz.sh [SECONDS]        default 60 (the ONNX importer)
#
# Builds tools/onnx-import-fuzzer and tools/program-fuzzer with clang-22
# (-fsanitize=fuzzer,address,undefined) in build-fuzz/.
#
# ONNX importer: replays the shipped fixtures once, writes a seed corpus
# (micro exports of every zoo family in both styles, the same graph
# structure as the fixtures with a few kB of weights, and the hand-made
# error-test models: scripts/fuzz_seeds.py), fuzzes for SECONDS (inputs up
# to 256 kB; new ones go to build-fuzz/corpus, which later runs resume from).
#
# Programs (decoder, verifier, assembler, executor): compiles the micro
# models for every preset and the shipped models for 3d-mol with
# snn-compile (build/bin/snn-compile when present, else one built in
# build-fuzz/), replays the shipped models' programs (the whole executor
# under the sanitizers) and test/Runtime/Inputs/fuzz-regressions once,
# then fuzzes for PROGRAM_FUZZ_SECONDS
# (default 25) from the micro programs (inputs up to 64 kB; corpus
# build-fuzz/program-corpus).
#
# Target files (parser, range table, physical model, and the executor
# running one micro program on each fuzzed target that loads): replays
# test/Hardware/Inputs/fuzz-regressions and the seeds once, then fuzzes
# for TARGET_FUZZ_SECONDS (default 15) from the presets
# (lib/Hardware/presets), the target files under test/ and the small
# hostile files of test/Hardware/Inputs/make_hostile.py, with the
# dictionary tools/target-fuzzer/target.dict (inputs up to 64 kB; corpus
# build-fuzz/target-corpus). A crashing input found here belongs in
# test/Hardware/Inputs/fuzz-regressions (and a RUN line in
# test/Hardware/hostile.test).
#
# Exits non-zero on any crash, leak, timeout (30 s per input) or sanitizer
# report; the reproducer is left in build-fuzz/artifacts/ (program-fuzzer's
# as artifacts/program-*, target-fuzzer's as artifacts/target-*). Replay
# one with:
#   build-fuzz/bin/onnx-import-fuzzer build-fuzz/artifacts/crash-...
#   build-fuzz/bin/program-fuzzer build-fuzz/artifacts/program-crash-...
#   build-fuzz/bin/target-fuzzer build-fuzz/artifacts/target-crash-...
# Environment: BUILD_DIR (build-fuzz), JOBS (nproc), FUZZ_SEED (1: CI runs
# are reproducible; pick another to explore elsewhere), PROGRAM_FUZZ_SECONDS
# (25; 0 skips the program fuzzer), TARGET_FUZZ_SECONDS (15; 0 skips the
# target fuzzer), SNN_COMPILE (the compiler for the program seeds).
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
cmake --build "$BUILD_DIR" -j "$JOBS" --target onnx-import-fuzzer program-fuzzer target-fuzzer

seeds="$BUILD_DIR/seeds"
if [[ ! -f "$seeds/.complete" ]]; then
  rm -rf "$seeds" && mkdir -p "$seeds"
  PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}" "$PY" "$ROOT/scripts/fuzz_seeds.py" "$seeds"
  touch "$seeds/.complete"
fi

corpus="$BUILD_DIR/corpus"
artifacts="$BUILD_DIR/artifacts"
mkdir -p "$corpus" "$artifacts"
# Same allocator note as scripts/dev.sh: Debian's libMLIR.so is not
# instrumented and reads slabs our objects poison.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allow_user_poisoning=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# run_fuzzer BINARY SECONDS LOG ARTIFACT_PREFIX MAX_LEN WHAT [ARGS...]:
# libFuzzer for SECONDS on the corpus directories and flags in ARGS; prints
# the summary of its log and exits on a failure.
run_fuzzer() {
  local bin="$1" secs="$2" log="$BUILD_DIR/$3" prefix="$4" maxlen="$5" what="$6"
  shift 6
  local status=0
  "$BUILD_DIR/bin/$bin" "$@" -max_total_time="$secs" -seed="${FUZZ_SEED:-1}" \
    -timeout=30 -rss_limit_mb=4096 -max_len="$maxlen" -print_final_stats=1 \
    -artifact_prefix="$artifacts/$prefix" >"$log" 2>&1 || status=$?
  grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|^"|^######|^[[:space:]]+NEW_FUNC' \
    "$log" | tail -40
  if ((status != 0)); then
    echo "fuzz: $what failed on an input (status $status); see $artifacts/$prefix*" >&2
    exit "$status"
  fi
}

echo "== the fixtures under the fuzz harness"
"$BUILD_DIR/bin/onnx-import-fuzzer" "$ROOT"/test/data/models/*.onnx 2>&1 | tail -2
echo "== fuzzing the ONNX importer for ${SECONDS_TO_RUN}s ($(ls "$seeds" | wc -l) seeds)"
run_fuzzer onnx-import-fuzzer "$SECONDS_TO_RUN" fuzz.log "" 262144 "the importer" \
  "$corpus" "$seeds"
echo "fuzz: no crash in the importer in ${SECONDS_TO_RUN}s"

PROGRAM_SECONDS="${PROGRAM_FUZZ_SECONDS:-25}"
if ((PROGRAM_SECONDS > 0)); then
  program_start=$SECONDS
  # Program seeds, compiled afresh each run (a few seconds) so that they
  # always match the current container format.
  compile="${SNN_COMPILE:-$ROOT/build/bin/snn-compile}"
  if [[ ! -x "$compile" ]]; then
    cmake --build "$BUILD_DIR" -j "$JOBS" --target snn-compile
    compile="$BUILD_DIR/bin/snn-compile"
  fi
  pseeds="$BUILD_DIR/program-seeds"
  rm -rf "$pseeds" && mkdir -p "$pseeds/micro" "$pseeds/shipped"
  for model in "$seeds"/*micro*.onnx; do
    for target in 2d 3d-mol 3d-lol; do
      "$compile" "$model" --target "$target" \
        -o "$pseeds/micro/$(basename "$model" .onnx)-$target.snnp" >/dev/null 2>&1 ||
        echo "fuzz: note: $(basename "$model") does not compile for $target" >&2
    done
  done
  for model in "$ROOT"/test/data/models/*.onnx; do
    "$compile" "$model" --target 3d-mol -o "$pseeds/shipped/$(basename "$model" .onnx).snnp"
  done
  echo "== the shipped models' programs and the fuzz regressions under the fuzz harness"
  "$BUILD_DIR/bin/program-fuzzer" "$pseeds"/shipped/*.snnp \
    "$ROOT"/test/Runtime/Inputs/fuzz-regressions/*.snnp -timeout=300 \
    -rss_limit_mb=4096 -artifact_prefix="$artifacts/program-" \
    >"$BUILD_DIR/program-replay.log" 2>&1 || {
    tail -40 "$BUILD_DIR/program-replay.log"
    echo "fuzz: a shipped model's program or a regression failed under the fuzz harness" >&2
    exit 1
  }
  tail -2 "$BUILD_DIR/program-replay.log"
  pcorpus="$BUILD_DIR/program-corpus"
  mkdir -p "$pcorpus"
  echo "== fuzzing programs and the executor for ${PROGRAM_SECONDS}s ($(ls "$pseeds/micro" | wc -l) seeds)"
  run_fuzzer program-fuzzer "$PROGRAM_SECONDS" program-fuzz.log program- 65536 \
    "the program decoder or executor" "$pcorpus" "$pseeds/micro"
  echo "fuzz: no crash in programs and the executor in ${PROGRAM_SECONDS}s" \
    "(seeds, replay and fuzzing: $((SECONDS - program_start))s)"
fi

TARGET_SECONDS="${TARGET_FUZZ_SECONDS:-15}"
((TARGET_SECONDS > 0)) || exit 0
target_start=$SECONDS
tseeds="$BUILD_DIR/target-seeds"
tlarge="$BUILD_DIR/target-large"
rm -rf "$tseeds" "$tlarge" && mkdir -p "$tseeds/hostile" "$tlarge"
cp "$ROOT"/lib/Hardware/presets/{2d,3d-mol,3d-lol}.json "$ROOT"/test/Hardware/Inputs/*.json \
  "$ROOT"/test/Runtime/Inputs/validation-*.json \
  "$ROOT"/test/Dialect/SNN/Transforms/Inputs/{two-core,hetero}.json "$tseeds/"
"$PY" "$ROOT/test/Hardware/Inputs/make_hostile.py" "$ROOT/lib/Hardware/presets/3d-mol.json" \
  "$tseeds/hostile"
# The hostile files of more than 64 kB (1e5 brackets) only in the replay.
find "$tseeds/hostile" -size +64k -exec mv {} "$tlarge/" \;
# The executor runs this program on every fuzzed target that loads (the
# smallest micro program for 3d-mol; none when the program seeds were
# skipped).
tprogram=""
if [[ -d "${pseeds:-}/micro" ]]; then
  tprogram="$(ls -S "$pseeds"/micro/*-3d-mol.snnp 2>/dev/null | tail -1 || true)"
fi
export TARGET_FUZZER_PROGRAM="$tprogram"
echo "== the target regressions and seeds under the fuzz harness${tprogram:+ (executor: $(basename "$tprogram"))}"
"$BUILD_DIR/bin/target-fuzzer" "$ROOT"/test/Hardware/Inputs/fuzz-regressions/* \
  "$tseeds"/*.json "$tseeds"/hostile/* "$tlarge"/* -timeout=60 -rss_limit_mb=4096 \
  -artifact_prefix="$artifacts/target-" >"$BUILD_DIR/target-replay.log" 2>&1 || {
  tail -40 "$BUILD_DIR/target-replay.log"
  echo "fuzz: a target regression or seed failed under the fuzz harness" >&2
  exit 1
}
tail -2 "$BUILD_DIR/target-replay.log"
tcorpus="$BUILD_DIR/target-corpus"
mkdir -p "$tcorpus"
echo "== fuzzing target files for ${TARGET_SECONDS}s ($(find "$tseeds" -type f | wc -l) seeds)"
run_fuzzer target-fuzzer "$TARGET_SECONDS" target-fuzz.log target- 65536 target-fuzzer \
  "$tcorpus" "$tseeds" -dict="$ROOT/tools/target-fuzzer/target.dict"
echo "fuzz: no crash in target files in ${TARGET_SECONDS}s" \
  "(seeds, replay and fuzzing: $((SECONDS - target_start))s)"
