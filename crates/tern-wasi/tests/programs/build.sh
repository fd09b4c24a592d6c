#!/bin/sh
# Rebuilds the committed test programs. Needs `pip install ziglang`; the
# Rust program needs a Rust compiler with a WASI preview1 standard library:
# rustup's `wasm32-wasip1` target, or Debian's `rustc` with
# `libstd-rust-dev-wasm32` and `lld` (`wasm32-wasi`, Rust 1.63) — set RUSTC
# to pick one (default: `rustc`, then /usr/bin/rustc), and RUST_WASI_FLAGS
# for extra flags (e.g. `--sysroot /usr -C linker=wasm-ld-14` for a Debian
# rustc unpacked elsewhere).
set -eu
cd "$(dirname "$0")"
for c in *.c; do
    python3 -m ziglang cc -target wasm32-wasi -O2 -s \
        -D_WASI_EMULATED_PROCESS_CLOCKS -lwasi-emulated-process-clocks -o "${c%.c}.wasm" "$c"
done

# A Rust compiler and target for WASI preview1.
rust_wasi() {
    for rustc in ${RUSTC:-} rustc /usr/bin/rustc; do
        for target in wasm32-wasip1 wasm32-wasi; do
            if echo 'fn main(){}' | "$rustc" ${RUST_WASI_FLAGS:-} --target "$target" -o /dev/null - >/dev/null 2>&1; then
                echo "$rustc $target"
                return
            fi
        done
    done
}
set -- $(rust_wasi)
if [ $# -eq 2 ]; then
    rustc=$1 target=$2
    # (The main Rust program uses edition 2024, which needs a recent rustc.)
    "$rustc" ${RUST_WASI_FLAGS:-} --edition 2024 -O -C strip=symbols --target "$target" -o rsprog.wasm rsprog.rs ||
        echo "note: rsprog.rs needs a recent rustc (edition 2024); kept the committed rsprog.wasm" >&2
else
    echo "note: no Rust compiler with a WASI target; kept the committed rsprog.wasm" >&2
fi

# The conformance programs (conformance/): one C program a topic, printing a
# `label: ERRNO` line a WASI call, checked against NAME.expected (what
# wasmtime prints, but for the differences listed in
# crates/tern-cli/tests/wasi_programs.rs).
for c in conformance/*.c; do
    python3 -m ziglang cc -target wasm32-wasi -O2 -s -Wno-unused-result -o "${c%.c}.wasm" "$c"
done

# The AssemblyScript program needs `npm install assemblyscript @assemblyscript/wasi-shim`
# in a scratch directory; run there:
#   npx asc asprog.ts --config ./node_modules/@assemblyscript/wasi-shim/asconfig.json -O3 -o asprog.wasm

# wasi-threads programs (Zig's std.Thread; zig 0.17's C library has only
# stub pthreads): shared imported memory, exported memory and
# wasi_thread_start. `threads/*.expected` is what the native build prints.
for z in threads/*.zig; do
    python3 -m ziglang build-exe -target wasm32-wasi -mcpu=generic+atomics+bulk_memory \
        -fno-single-threaded -O ReleaseSmall --shared-memory --import-memory --export-memory \
        --max-memory=67108864 --export=wasi_thread_start -femit-bin="${z%.zig}.wasm" "$z"
    python3 -m ziglang build-exe -O ReleaseSmall -femit-bin="/tmp/${z#threads/}.native" "$z"
    "/tmp/${z#threads/}.native" > "${z%.zig}.expected"
done
