#!/usr/bin/env bash
# Rebuilds more.wasm from more.kt with Kotlin/Wasm (npm `kotlin-compiler`,
# which needs Java 17), for WASI, with the exception-handling proposal of
# Wasm 3.0 (try_table, exnref), and strips the name section. The committed
# module keeps the test free of the toolchain. more.expected is wasmtime
# 49's output for it (Node 24's is the same).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cd "$work"
npm pack --silent kotlin-compiler >/dev/null
tar xzf kotlin-compiler-*.tgz
kc=package/bin/kotlinc-wasm
chmod +x package/bin/*
stdlib=package/lib/kotlin-stdlib-wasm-wasi.klib
flags=(-Xwasm-target=wasm-wasi -Xwasm-use-new-exception-proposal -libraries "$stdlib")
"$kc" "${flags[@]}" -ir-output-dir klib -ir-output-name more "$here/more.kt"
"$kc" "${flags[@]}" -Xir-produce-js -Xinclude=klib/more.klib -ir-output-dir out -ir-output-name more
python3 "$here/../../../../../scripts/strip-custom-sections.py" out/more.wasm "$here/more.wasm"
rm -rf "$work"
