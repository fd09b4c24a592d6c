#!/usr/bin/env python3
"""Copies a WebAssembly binary without its custom sections (the name section
among them): strip-custom-sections.py IN OUT. Used by the scripts that rebuild
committed test modules, so that they stay small."""
import sys


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


b = open(sys.argv[1], "rb").read()
out, i = bytearray(b[:8]), 8
while i < len(b):
    sid = b[i]
    n, j = leb(b, i + 1)
    if sid != 0:
        out += b[i : j + n]
    i = j + n
open(sys.argv[2], "wb").write(out)
