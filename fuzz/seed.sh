#!/usr/bin/env bash
# Seeds fuzz/corpus/decode_validate with the spec suites' modules (valid ones
# and binary malformed/invalid ones), written by the dump_spec_modules example.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus/decode_validate"
mkdir -p "$corpus"
cd "$root"
cargo run --offline --quiet -p tern-validate --example dump_spec_modules -- "$corpus"
