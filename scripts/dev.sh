#!/usr/bin/env bash
# SpikeStack developer entry point (the README's two commands).
#
#   scripts/dev.sh demo   install what is missing, build, run the main job
#                         (compile a shipped model for 3d-mol, execute it,
#                         print the report; then the same on 2d and the
#                         3D-over-2D ratios)
#   scripts/dev.sh test   install what is missing, build, run every test, then
#                         run them again in an ASan+UBSan build (build-asan/)
#                         and fuzz the ONNX importer for FUZZ_SECONDS
#                         (default 60; scripts/fuzz.sh, build-fuzz/)
#   scripts/dev.sh build  install what is missing and build
#
# Works on a fresh Debian bookworm machine as root. Environment:
#   BUILD_DIR (default: build), JOBS (default: nproc),
#   SPIKESTACK_SANITIZE=1 (build with sanitizers), QUICK=1 (test: skip the
#   large zoo models, the sanitizer pass and fuzzing),
#   SPIKESTACK_LARGE_TESTS=0|1 (override whether the large zoo models run)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
JOBS="${JOBS:-$(nproc)}"
PY=/usr/bin/python3
# ccache hits across clones in different directories.
export CCACHE_BASEDIR="$ROOT"

PACKAGES=(
  build-essential cmake ninja-build ccache lld-22
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev protobuf-compiler pybind11-dev python3-dev
  python3 python3-numpy python3-onnx python3-torch python3-matplotlib
  python3-pytest python3-venv python3-pip python3-setuptools python3-wheel
  libhdf5-dev python3-h5py python3-distributed python3-yaml python3-tqdm
  clang-22 libclang-rt-22-dev time nlohmann-json3-dev zlib1g-dev
)

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "== installing: ${missing[*]}"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

build() {
  [[ "${SPIKESTACK_DEPS_OK:-0}" == 1 ]] || install_deps
  export SPIKESTACK_DEPS_OK=1
  local sanitize=OFF
  [[ "${SPIKESTACK_SANITIZE:-0}" == 1 ]] && sanitize=ON
  # Re-running cmake on a configured tree is cheap and applies the options.
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSPIKESTACK_PYTHON="$PY" -DSPIKESTACK_ENABLE_SANITIZERS="$sanitize" >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

demo() {
  build
  local work model="$ROOT/test/data/models/spikformer-c1-128"
  work="$(mktemp -d)"
  # shellcheck disable=SC2064  # expand now: $work is local to this function
  trap "rm -rf '$work'" EXIT
  echo "== compile the shipped Spikformer (test/data/models/spikformer-c1-128.onnx) for 3d-mol"
  "$BUILD_DIR/bin/snn-compile" "$model.onnx" --target 3d-mol -o "$work/model.snnp"
  echo "== run it on the cycle-level executor"
  "$BUILD_DIR/bin/snn-run" "$work/model.snnp" --input image="$model.input.npy" \
    --output-dir "$work/out" --report "$work/report.json"
  echo "== the same model on the 2D chip, for comparison"
  "$BUILD_DIR/bin/snn-compile" "$model.onnx" --target 2d -o "$work/model-2d.snnp"
  "$BUILD_DIR/bin/snn-run" "$work/model-2d.snnp" --input image="$model.input.npy" \
    --output-dir "$work/out-2d" --report "$work/report-2d.json" --quiet
  echo "== report ($work/report.json) and 3D over 2D"
  "$PY" - "$work/report.json" "$work/report-2d.json" "$work/out/logits.npy" \
    "$work/out-2d/logits.npy" "$model.logits.npy" <<'PY'
import json, sys
import numpy as np
r, r2 = (json.load(open(p)) for p in sys.argv[1:3])
keys = ["cycles", "clock_mhz", "latency_us", "footprint_mm2", "traffic_bits",
        "memory_access_latency_cycles", "energy_pj"]
print(json.dumps({k: r[k] for k in keys}, indent=1))
rows = [("latency (us)", r["latency_us"], r2["latency_us"]),
        ("energy (uJ)", r["energy_pj"]["total"] / 1e6, r2["energy_pj"]["total"] / 1e6),
        ("footprint (mm^2)", r["footprint_mm2"], r2["footprint_mm2"]),
        ("clock (MHz)", r["clock_mhz"], r2["clock_mhz"]),
        ("memory access (ns)", r["memory_access_latency_ns"]["mean"],
         r2["memory_access_latency_ns"]["mean"])]
print(f"\n{'':20s} {'3d-mol':>10s} {'2d':>10s}  3D over 2D")
for name, a, b in rows:
    print(f"{name:20s} {a:10.2f} {b:10.2f}  {100 * (a / b - 1):+6.1f} %")
ours, ours2, ref = (np.load(p) for p in sys.argv[3:6])
print(f"\nlogits: executor argmax {ours.argmax(-1).tolist()} (2d: "
      f"{ours2.argmax(-1).tolist()}, outputs {'identical' if (ours == ours2).all() else 'DIFFERENT'}), "
      f"PyTorch argmax {ref.argmax(-1).tolist()}, max |diff| "
      f"{abs(ours - ref).max():.4f} (int8 weights)")
PY
}

# Our objects inline LLVM's allocator code with ASan poisoning annotations,
# while Debian's libMLIR.so is not instrumented and reads those slabs:
# disable user poisoning (a false positive), keep every other check.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allow_user_poisoning=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

run_tests() {
  build
  # The full normal pass also runs the large zoo models
  # (test/Target/ONNX/zoo-large.test, ~7 min, 4 GB; under sanitizers they would take
  # far longer), then the sanitizer pass and fuzzing.
  local full=0
  [[ "${QUICK:-0}" != 1 && "${SPIKESTACK_SANITIZE:-0}" != 1 ]] && full=1
  (cd "$BUILD_DIR" && SPIKESTACK_LARGE_TESTS="${SPIKESTACK_LARGE_TESTS:-$full}" \
    ctest --output-on-failure -j "$JOBS")
  if ((full)); then
    echo "== the same tests under AddressSanitizer + UndefinedBehaviorSanitizer"
    BUILD_DIR="$ROOT/build-asan" SPIKESTACK_SANITIZE=1 bash "$ROOT/scripts/dev.sh" test
    echo "== libFuzzer on the ONNX importer"
    bash "$ROOT/scripts/fuzz.sh" "${FUZZ_SECONDS:-60}"
  fi
}

case "${1:-}" in
  demo) demo ;;
  test) run_tests ;;
  build) build ;;
  *) echo "usage: $0 demo|test|build" >&2; exit 2 ;;
esac
