# A pure-Python workload for bench/cpython: calls, loops, integers, strings,
# dicts, lists, classes and exceptions; about a second on a native CPython.
# Prints one checksum line, which every engine must print the same.
import sys


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x, self.y = x, y

    def add(self, o):
        return Vec(self.x + o.x, self.y + o.y)


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def words(n):
    counts = {}
    for i in range(n):
        w = "w" + str(i * 7919 % 1000)
        counts[w] = counts.get(w, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]


def parse(items):
    ok = bad = 0
    for s in items:
        try:
            ok += int(s)
        except ValueError:
            bad += 1
    return ok, bad


def main(scale):
    v = Vec(0, 0)
    for i in range(40000 * scale):
        v = v.add(Vec(i & 3, i % 5))
    f = fib(20 + scale)
    top = words(60000 * scale)
    ok, bad = parse([str(i) if i % 3 else "x%d" % i for i in range(60000 * scale)])
    text = " ".join(str(i) for i in range(20000 * scale))
    h = 0
    for ch in text:
        h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    print("checksum", v.x, v.y, f, top, ok, bad, h)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
