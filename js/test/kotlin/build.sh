#!/usr/bin/env bash
# Rebuilds more.wasm and its JavaScript glue (more.mjs, more.import-object.mjs,
# more.js-builtins.mjs) from crates/tern-cli/tests/data/kotlin/more.kt with
# Kotlin/Wasm (npm `kotlin-compiler`, which needs Java 17) for its JavaScript
# target, and strips the name section. The committed files keep the test free
# of the toolchain. more.expected is the program's output on Node 24's own
# WebAssembly (V8).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../../crates/tern-cli/tests/data/kotlin/more.kt"
work=$(mktemp -d)
cd "$work"
npm pack --silent kotlin-compiler >/dev/null
tar xzf kotlin-compiler-*.tgz
kc=package/bin/kotlinc-wasm
chmod +x package/bin/*
flags=(-Xwasm-target=js -libraries package/lib/kotlin-stdlib-wasm-js.klib)
"$kc" "${flags[@]}" -ir-output-dir klib -ir-output-name more "$src"
"$kc" "${flags[@]}" -Xir-produce-js -Xinclude=klib/more.klib -ir-output-dir out -ir-output-name more
cp out/more.mjs out/more.import-object.mjs out/more.js-builtins.mjs "$here/"
python3 "$here/../../../scripts/strip-custom-sections.py" out/more.wasm "$here/more.wasm"
rm -rf "$work"
