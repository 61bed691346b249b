"""Benchmark: the Excel workbook export as the dataset grows (issue 10: linear, no per-department-year scans).

For datasets of the given sizes (the seeded 示例 departments copied into as many counties
as needed, as in ``bench_report.py``) it writes one workbook of every department-year
(附件1-1 and 附件1-2 per department-year plus the analysis sheets) with
:func:`perfeval.export_xlsx`, the analysis computed once beforehand (timed apart), and
prints seconds, milliseconds per department-year and the growth per doubling of the
dataset (2.0× is linear). Nothing is asserted.

Usage::

    python benchmarks/bench_xlsx.py [--sizes 100,200,400]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import synthetic_dataset  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    import perfeval
    from perfeval._xlsx import export_xlsx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,200,400", help="department-years, comma separated")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'dept-years':>10} {'analyse s':>10} {'export s':>9} {'ms/dept-year':>13} {'growth/doubling':>16}")
    prev: tuple[int, float] | None = None
    with tempfile.TemporaryDirectory(prefix="perfeval-bench-xlsx-") as tmp:
        for size in sizes:
            folder = synthetic_dataset(Path(tmp) / f"ds{size}", size)
            ds = perfeval.load(folder)
            n = len(ds.evaluations)
            t0 = time.perf_counter()
            analysis = perfeval.analyse(ds)
            analysed = time.perf_counter() - t0
            t0 = time.perf_counter()
            export_xlsx(ds, Path(tmp) / f"all{size}.xlsx", analysis=analysis)
            exported = time.perf_counter() - t0
            growth = ""
            if prev is not None:
                growth = f"{(exported / prev[1]) ** (1 / math.log2(n / prev[0])):.2f}×"
            print(f"{n:>10} {analysed:>10.2f} {exported:>9.2f} {1000 * exported / n:>13.1f} {growth:>16}", flush=True)
            prev = (n, exported)
    return 0


if __name__ == "__main__":
    sys.exit(main())
