#!/bin/sh
# Rebuilds the committed test programs. Needs `pip install ziglang`.
set -eu
cd "$(dirname "$0")"
for c in *.c; do
    python3 -m ziglang cc -target wasm32-wasi -O2 -s \
        -D_WASI_EMULATED_PROCESS_CLOCKS -lwasi-emulated-process-clocks -o "${c%.c}.wasm" "$c"
done
