#!/usr/bin/env bash
# Quality-of-results benchmark (issue 16): executor cycles against the lower
# bounds (docs/isa.md, "Bounds") and the plan's estimate, per model x target.
# The work is in scripts/bench_qor.py (see its docstring); this wrapper runs
# it with the system Python (numpy, torch and onnx for the zoo exports).
#
#   scripts/bench_qor.sh [--bin DIR] [--cache DIR] [--models M ...]
#                        [--targets T ...] [--json FILE] [--jobs N]
# Defaults: --bin build/bin, --cache /tmp/spikestack-qor, the two shipped
# models and four zoo models, --targets 2d 3d-mol 3d-lol, --jobs 2.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec /usr/bin/python3 "$ROOT/scripts/bench_qor.py" "$@"
