"""Benchmark: report files imported per second (.docx, exported text, .xlsx), and a batch.

Run: ``python benchmarks/bench_import.py [N] [--sizes 200,400,800]`` (N files per format,
default 100; ``--sizes``: batches of exported-text reports, one department each, to show how a
batch's merge grows with the dataset: the time per doubling should be about 2×, i.e. linear).
Prints figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from _report_fixtures import SECOND_SPEC, SEED_SPEC, export_text, write_docx, write_xlsx  # noqa: E402

from perfeval._import import import_reports, read_report  # noqa: E402
from perfeval._import._batch import _State  # noqa: E402


def make(folder: Path, n: int) -> dict[str, list[Path]]:
    """n files per format, each a different department (填报单位) so that a batch has no conflicts."""
    files: dict[str, list[Path]] = {"docx": [], "text": [], "xlsx": []}
    for kind in files:
        (folder / kind).mkdir()
    for i in range(n):
        spec = dict(SEED_SPEC if i % 2 == 0 else SECOND_SPEC, dept_label=f"衡阳县部门{i:04d}")
        files["docx"].append(write_docx(spec, folder / "docx" / f"部门{i:04d}.docx"))
        files["xlsx"].append(write_xlsx(spec, folder / "xlsx" / f"部门{i:04d}.xlsx"))
        t = folder / "text" / f"部门{i:04d}.txt"
        t.write_text(export_text(spec), encoding="utf-8")
        files["text"].append(t)
    return files


def scaling(sizes: list[int]) -> None:
    """Batches of n text reports (each its own department): whole import, and the merge alone."""
    print("batch import growth (exported text, one department per file):")
    print(f"  {'files':>6} {'import s':>9} {'ms/file':>8} {'merge s':>8} {'merge ms/file':>14} {'growth/doubling':>16}")
    prev: tuple[int, float] | None = None
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "text"
            folder.mkdir()
            for i in range(n):
                spec = dict(SEED_SPEC if i % 2 == 0 else SECOND_SPEC, dept_label=f"衡阳县部门{i:05d}")
                (folder / f"部门{i:05d}.txt").write_text(export_text(spec), encoding="utf-8")
            t0 = time.perf_counter()
            s = import_reports([folder], Path(tmp) / "ds", progress=False)
            whole = time.perf_counter() - t0
            assert len(s.imported) == n, (len(s.imported), s.failed[:3], s.conflicts[:3])
            reports = [read_report(p) for p in sorted(folder.iterdir())]
            t0 = time.perf_counter()
            state = _State(Path(tmp) / "fresh")
            for rep in reports:
                rep = state.match_department(rep)
                assert state.conflict(rep) is None
                state.merge(rep)
            state.write()
            merge = time.perf_counter() - t0
        growth = ""
        if prev is not None:
            per_doubling = (merge / prev[1]) ** (1 / max(1e-9, math.log2(n / prev[0])))
            growth = f"{per_doubling:.2f}×"
        print(f"  {n:>6} {whole:>9.2f} {1000 * whole / n:>8.1f} {merge:>8.2f} {1000 * merge / n:>14.2f} {growth:>16}")
        prev = (n, merge)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100, help="files per format (default 100; 0 skips)")
    parser.add_argument("--sizes", default="", help="batch sizes for the growth table, e.g. 200,400,800")
    args = parser.parse_args()
    n = args.n
    if args.sizes:
        scaling([int(x) for x in args.sizes.split(",") if x.strip()])
    if n <= 0:
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = make(folder, n)
        print(f"perfeval import benchmark: {n} files per format")
        for kind, paths in files.items():
            t0 = time.perf_counter()
            for i, p in enumerate(paths):
                read_report(p, dept_id=f"d{i}")
            dt = time.perf_counter() - t0
            print(f"  read_report {kind:5s}: {n / dt:8.1f} files/s  ({1000 * dt / n:6.1f} ms/file)")
        for kind in ("docx", "text", "xlsx"):
            t0 = time.perf_counter()
            s = import_reports([folder / kind], folder / f"ds-{kind}", progress=False)
            dt = time.perf_counter() - t0
            print(f"  import_reports folder of {kind:5s}: {n / dt:8.1f} files/s  "
                  f"(imported {len(s.imported)}, failed {len(s.failed)}, conflicts {len(s.conflicts)})")


if __name__ == "__main__":
    main()
