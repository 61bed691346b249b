"""Start-up of the explorer: import times, the Explorer's first render, redraws.

Each import is timed in a fresh interpreter (the median of ``-n`` runs):
``perfeval``, ``perfeval._run`` (the report runner), ``nbformat`` and
``rfc3987_syntax`` (what makes ``nbformat`` slow: jsonschema's format checkers
import it, and it builds a Lark grammar at import). Then, in this process,
``Explorer()`` (load, metrics, re-scoring, findings, font subset, first render)
and the mean of a few redraws. Prints seconds and the ratio of ``nbformat`` to
``perfeval``.

Usage::

    python benchmarks/bench_explore.py [-n 3] [--redraws 3]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def import_seconds(module: str, runs: int) -> float:
    """Median wall time of ``python -c 'import module'`` minus an empty interpreter's."""
    def once(code: str) -> float:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t

    base = statistics.median(once("pass") for _ in range(runs))
    return max(0.0, statistics.median(once(f"import {module}") for _ in range(runs)) - base)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3, help="runs per import (median)")
    parser.add_argument("--redraws", type=int, default=3)
    args = parser.parse_args(argv)

    times = {m: import_seconds(m, args.n) for m in ("perfeval", "perfeval._run", "nbformat", "rfc3987_syntax")}
    for module, sec in times.items():
        print(f"import {module:<16} {sec:6.2f} s")
    if times["perfeval"] > 0:
        print(f"nbformat / perfeval: {times['nbformat'] / times['perfeval']:.0f}x")

    from perfeval._explore import Explorer

    t = time.perf_counter()
    explorer = Explorer()
    print(f"Explorer() with the first render {time.perf_counter() - t:6.2f} s")
    t = time.perf_counter()
    for _ in range(args.redraws):
        explorer.render()
    print(f"redraw (mean of {args.redraws})        {(time.perf_counter() - t) / args.redraws:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
