#!/bin/sh
# Rebuilds the committed test programs. Needs `pip install ziglang`.
set -eu
cd "$(dirname "$0")"
for c in *.c; do
    python3 -m ziglang cc -target wasm32-wasi -O2 -s \
        -D_WASI_EMULATED_PROCESS_CLOCKS -lwasi-emulated-process-clocks -o "${c%.c}.wasm" "$c"
done
# The Rust program needs the wasm32-wasip1 target (`rustup target add wasm32-wasip1`).
rustc --edition 2024 -O -C strip=symbols --target wasm32-wasip1 -o rsprog.wasm rsprog.rs
# The AssemblyScript program needs `npm install assemblyscript @assemblyscript/wasi-shim`
# in a scratch directory; run there:
#   npx asc asprog.ts --config ./node_modules/@assemblyscript/wasi-shim/asconfig.json -O3 -o asprog.wasm
