#!/usr/bin/env bash
# Decode + validate CPython for WASI (python.wasm, ~99 MB) with wasmparser and
# tern (single-threaded and parallel) in one criterion run, then print the
# ratios wasmparser_time / tern_time (> 1 means tern is faster).
#
#   scripts/bench-validate.sh            # criterion, ~1-2 minutes
#   scripts/bench-validate.sh --quick    # the validate_time example: median of 5
#
# TERN_PYTHON_WASM=/path/to/python.wasm overrides where the module is found.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--quick" ]]; then
    exec cargo run --release --offline --quiet -p tern-validate --example validate_time
fi

cargo bench --offline -p tern-validate --bench validate -- --noplot "$@"

dir="${CARGO_TARGET_DIR:-target}/criterion/python-wasm"
if [[ ! -d "$dir" ]]; then
    echo "no criterion results in $dir (python.wasm missing?)" >&2
    exit 0
fi
python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
t = {}
for name in ("wasmparser", "tern", "tern-parallel", "wasmparser-parallel"):
    p = os.path.join(d, name, "new", "estimates.json")
    if os.path.exists(p):
        t[name] = json.load(open(p))["median"]["point_estimate"] / 1e6
for name, ms in t.items():
    print(f"{name:<22} {ms:9.1f} ms (median)")
def ratio(a, b, label):
    if a in t and b in t:
        print(f"{label:<52} {t[a] / t[b]:.2f}")
ratio("wasmparser", "tern", "ratio wasmparser / tern (single-threaded)")
ratio("wasmparser", "tern-parallel", "ratio wasmparser / tern-parallel")
ratio("wasmparser-parallel", "tern-parallel", "ratio wasmparser-parallel / tern-parallel")
PY
