"""Benchmark: report files imported per second (.docx, exported text, .xlsx), and a batch.

Run: ``python benchmarks/bench_import.py [N]`` (N files per format, default 100).
Prints figures only; nothing is asserted.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from _report_fixtures import SECOND_SPEC, SEED_SPEC, export_text, write_docx, write_xlsx  # noqa: E402

from perfeval._import import import_reports, read_report  # noqa: E402


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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
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
