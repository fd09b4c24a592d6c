#!/usr/bin/env bash
# Build the benchmark programs in bench/src/ for WebAssembly (committed, in
# bench/wasm/) and natively (bench/native/, not committed).
#
#   bench/build.sh            # both
#   bench/build.sh wasm       # only the .wasm files (needs zig: pip install ziglang)
#   bench/build.sh native     # only the native binaries (gcc -O2, or zig cc if gcc is missing)
set -euo pipefail
cd "$(dirname "$0")"
what=${1:-all}
progs=$(cd src && ls *.c | sed 's/\.c$//')
CFLAGS_COMMON="-O2 -ffp-contract=off -fno-math-errno"
# The wasm features: Wasm 2.0 minus reference types (LLVM's reference-types
# encoding of call_indirect is not read by wasm3 0.5, the version pywasm3
# ships; nothing in the suite uses reference types). simd.c adds -msimd128.
WASM_CPU="-mcpu=mvp+bulk_memory+sign_ext+nontrapping_fptoint+mutable_globals+multivalue"

if [[ $what == all || $what == wasm ]]; then
    mkdir -p wasm
    for p in $progs; do
        extra=""
        [[ $p == simd ]] && extra="-msimd128"
        python3 -m ziglang cc -target wasm32-wasi $WASM_CPU $CFLAGS_COMMON -s $extra -o "wasm/$p.wasm" "src/$p.c" -lm
        echo "wasm/$p.wasm ($(stat -c %s "wasm/$p.wasm") bytes)"
    done
    # The empty program (start-up figure): a module whose _start does nothing.
    python3 - <<'PY'
# (module (memory (export "memory") 1) (func (export "_start")))
body = bytes([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
              1, 4, 1, 0x60, 0, 0,                 # type: () -> ()
              3, 2, 1, 0,                          # func 0: type 0
              5, 3, 1, 0, 1,                       # memory min 1
              7, 0x13, 2,                          # exports
              6]) + b"memory" + bytes([2, 0]) + bytes([6]) + b"_start" + bytes([0, 0]) + \
       bytes([10, 4, 1, 2, 0, 0x0b])              # code: empty body
open("wasm/empty.wasm", "wb").write(body)
PY
    echo "wasm/empty.wasm"
fi

if [[ $what == all || $what == native ]]; then
    mkdir -p native
    if command -v gcc >/dev/null; then
        cc=(gcc); echo "native compiler: gcc $(gcc -dumpversion) -O2"
    else
        cc=(python3 -m ziglang cc); echo "native compiler: zig cc -O2"
    fi
    for p in $progs; do
        "${cc[@]}" $CFLAGS_COMMON -o "native/$p" "src/$p.c" -lm
    done
    echo "native binaries in bench/native/"
fi
