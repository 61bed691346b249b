"""Benchmark: how much of each corpus report the importer reads, and how much it invents.

Run: ``python benchmarks/bench_import_accuracy.py [-v]``. For every file of
``tests/fixtures/reports/`` (renditions of published forms, each with
``<name>.expected.toml``) it runs ``read_report`` without options and prints,
per file and overall, field recall and precision by kind (who, funds,
staffing, evaluation, goals, indicators) and the spurious rows (finance lines
or indicators the report does not hold), plus files refused and tracebacks.
``-v`` lists every missed or wrong field. Targets: recall ≥ 95 %, precision ≥
99 % counting spurious rows, no refused file, no traceback. Prints figures only.
"""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "reports"))
sys.path.insert(0, str(ROOT))

from accuracy import KINDS, Tally, compare, corpus_files, expected, refused  # noqa: E402

from perfeval._import import ReportImportError, read_report  # noqa: E402


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "   — "


def main() -> None:
    verbose = "-v" in sys.argv[1:]
    total = {k: Tally() for k in KINDS}
    refused_files: list[str] = []
    crashed: list[str] = []
    print(f"{'file':28} {'recall':>7} {'precision':>9} {'spurious':>8}  note")
    for path in corpus_files():
        exp = expected(path)
        note = ""
        try:
            tallies = compare(read_report(path), exp)
        except ReportImportError as exc:
            tallies = refused(exp)
            refused_files.append(path.name)
            note = f"拒绝导入：{exc.reason}"
        except Exception:  # noqa: BLE001 - a traceback is a figure here
            tallies = refused(exp)
            crashed.append(path.name)
            note = "异常：" + traceback.format_exc().strip().splitlines()[-1]
        file_t = Tally()
        for k in KINDS:
            total[k].add(tallies[k])
            file_t.add(tallies[k])
        print(f"{path.name:28} {_pct(file_t.hits, file_t.expected):>7} {_pct(file_t.hits, file_t.read):>9} "
              f"{file_t.spurious_rows:>8}  {note}")
        if verbose:
            for m in file_t.misses:
                print(f"    - {m}")
    print()
    print(f"{'kind':12} {'expected':>8} {'read':>6} {'hits':>6} {'recall':>7} {'precision':>9} {'spurious':>8}")
    overall = Tally()
    for k in KINDS:
        t = total[k]
        overall.add(t)
        print(f"{k:12} {t.expected:>8} {t.read:>6} {t.hits:>6} {_pct(t.hits, t.expected):>7} "
              f"{_pct(t.hits, t.read):>9} {t.spurious_rows:>8}")
    print(f"{'overall':12} {overall.expected:>8} {overall.read:>6} {overall.hits:>6} "
          f"{_pct(overall.hits, overall.expected):>7} {_pct(overall.hits, overall.read):>9} {overall.spurious_rows:>8}")
    print(f"files: {len(corpus_files())}, refused: {len(refused_files)} {refused_files or ''}, "
          f"tracebacks: {len(crashed)} {crashed or ''}")


if __name__ == "__main__":
    main()
