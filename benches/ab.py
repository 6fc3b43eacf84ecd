#!/usr/bin/env python3
"""Compare two rollpin binaries (say, the previous commit's and this one's) on the same
renders: alternating runs (old, new, new, old, ...) so background load hits both alike;
wall-clock and CPU (user + system, from os.wait4) medians; outputs compared byte for byte.

Usage (from the repository root):

    python3 benches/ab.py OLD_BINARY NEW_BINARY [--runs N] DIR [DIR ...]

Python 3.11, standard library only. The Markdown table goes to stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time


def run(binary: str, directory: str) -> tuple[float, float, bytes]:
    start = time.perf_counter()
    p = subprocess.Popen([binary, "render", directory], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read() if p.stdout else b""
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{binary} render {directory} failed")
    return wall, usage.ru_utime + usage.ru_stime, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--runs", type=int, default=40)
    a = ap.parse_args()
    print("| case | runs | old wall | new wall | old CPU | new CPU | CPU new/old | same output |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for d in a.dirs:
        res: dict[str, list[tuple[float, float]]] = {a.old: [], a.new: []}
        outs = {}
        for i in range(a.runs):
            order = (a.old, a.new) if i % 2 == 0 else (a.new, a.old)
            for b in order:
                wall, cpu, out = run(b, d)
                res[b].append((wall, cpu))
                outs[b] = out
        med = lambda b, k: statistics.median(x[k] for x in res[b]) * 1000
        print(
            f"| `{d}` | {a.runs} | {med(a.old, 0):.1f} ms | {med(a.new, 0):.1f} ms | "
            f"{med(a.old, 1):.1f} ms | {med(a.new, 1):.1f} ms | {med(a.new, 1) / med(a.old, 1):.3f} | "
            f"{'yes' if outs[a.old] == outs[a.new] else 'NO'} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
