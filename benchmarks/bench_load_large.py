"""Benchmark loading a large dataset: 1M finance rows as a CSV folder and as .xlsx.

Run: ``python benchmarks/bench_load_large.py [ROWS ...]`` (default 1,000,000; give
several sizes, e.g. ``250000 500000 1000000``, for the growth per doubling);
``PERFEVAL_BENCH_ROOT=/other/checkout`` measures that checkout's perfeval instead.  Each
dataset is generated into a temporary folder (1,000 departments × years ×
items); each load runs in a child process so its peak memory (max RSS) is
measured on its own.  Printed: rows, file sizes, seconds and peak MB per format,
and for each format the growth of the time per doubling of the rows (1.0 would be
linear; 2.0 quadratic).
"""
from __future__ import annotations

import csv
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: the checkout whose perfeval is measured (PERFEVAL_BENCH_ROOT: e.g. an older worktree, for "before" figures)
ROOT = Path(os.environ.get("PERFEVAL_BENCH_ROOT") or Path(__file__).resolve().parents[1])

ITEMS = ["年度资金总额", "一般公共预算", "基本支出", "项目支出"]


def make_dataset(folder: Path, rows: int) -> None:
    """A valid dataset with ``rows`` finance rows (project lines under 项目支出)."""
    depts = 1000
    per = rows // depts
    years = max(1, min(10, per // 50))
    per_year = per // years
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "departments.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["dept_id", "name", "region", "full_name", "note"])
        for d in range(depts):
            w.writerow([f"d{d:04d}", f"部门{d}", "某县", "", ""])
    n = 0
    with open(folder / "finance.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["dept_id", "year", "item", "parent", "initial_budget", "adjusted_budget", "actual", "unit"])
        for d in range(depts):
            for y in range(2014, 2014 + years):
                for k in range(per_year):
                    if k < len(ITEMS):
                        item, parent = ITEMS[k], ""
                    else:
                        item, parent = f"专项业务经费{k}", "项目支出"
                    w.writerow([f"d{d:04d}", y, item, parent, f"{100 + k}.5", f"{101 + k}.25", f"{99 + k}.125", "万元"])
                    n += 1
    for name, header in {
        "staffing": "dept_id,year,quota,actual,retired",
        "indicators": "dept_id,year,level1,level2,name,target,actual,weight,score,direction,reason",
        "goals": "dept_id,year,goal,result",
    }.items():
        (folder / f"{name}.csv").write_text(header + "\n", encoding="utf-8")


def to_xlsx(folder: Path, book: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(book), {"constant_memory": True})
    for f in sorted(folder.glob("*.csv")):
        ws = wb.add_worksheet(f.stem)
        with open(f, encoding="utf-8", newline="") as fh:
            for r, row in enumerate(csv.reader(fh)):
                for c, v in enumerate(row):
                    ws.write_string(r, c, v)
    wb.close()


CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
import perfeval
t = time.perf_counter()
ds = perfeval.load({path!r})
dt = time.perf_counter() - t
print(len(ds.finance), round(dt, 2), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def measure(path: Path) -> tuple[int, float, int]:
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(path))],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1]), int(out[2])


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000_000]
    seen: dict[str, list[tuple[int, float]]] = {"CSV folder": [], ".xlsx": []}
    for rows in sizes:
        with tempfile.TemporaryDirectory(prefix="perfeval-bench-") as tmp:
            folder = Path(tmp) / "ds"
            t = time.perf_counter()
            make_dataset(folder, rows)
            book = Path(tmp) / "ds.xlsx"
            to_xlsx(folder, book)
            print(f"generated in {time.perf_counter() - t:.1f} s: finance.csv "
                  f"{(folder / 'finance.csv').stat().st_size / 1e6:.1f} MB, ds.xlsx {book.stat().st_size / 1e6:.1f} MB")
            for label, path in (("CSV folder", folder), (".xlsx", book)):
                n, secs, mb = measure(path)
                seen[label].append((n, secs))
                print(f"{label:10s}: {n:,} finance rows loaded in {secs:.1f} s, peak memory {mb} MB "
                      f"({n / secs:,.0f} rows/s)", flush=True)
    for label, points in seen.items():
        for (n0, t0), (n1, t1) in zip(points, points[1:]):
            doublings = math.log2(n1 / n0)
            if doublings > 0 and t0 > 0:
                print(f"{label:10s}: {n0:,} -> {n1:,} rows: time x{t1 / t0:.2f}, "
                      f"x{(t1 / t0) ** (1 / doublings):.2f} per doubling")


if __name__ == "__main__":
    main()
