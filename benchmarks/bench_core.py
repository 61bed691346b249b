"""How load, metrics, re-scoring and the audit scale with the size of a province.

For each size (department-years) a synthetic province is generated once with
:func:`perfeval.synth` (cached under ``--cache``), then measured in a fresh
subprocess (so peak memory is that size's own): seconds for ``pandas.read_csv``
of the same files (the yardstick, timed in a subprocess of its own so that the
memory pyarrow keeps from it does not count as perfeval's), ``perfeval.load``,
metrics (``item_metrics`` + ``metrics``), ``rescore`` and ``check``; peak resident
memory of those steps; audit recall and precision against the planted truth. Then
the ratios and the growth per doubling.

Targets (issue 9): metrics + re-score + check ≤ 3× read_csv; growth ≤ 2.2 per
doubling; ≤ 2 GB at the top; recall = precision = 1.0.

Usage::

    python benchmarks/bench_core.py                      # 1k, 10k, 50k, 100k
    python benchmarks/bench_core.py --sizes 1000,10000   # fewer
    python benchmarks/bench_core.py --parquet            # also time load() of the Parquet copy
    python benchmarks/bench_core.py --small              # per-call ms on the embedded data (fixed cost)

``--small`` measures the other end: milliseconds per call (median of 20, in this
process, after one warm-up call) of ``load``, ``metrics``, ``rescore``, ``check`` and
``analyse`` on the embedded dataset and on one department-year of it, the fixed cost
that every test and every standalone report pays.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's perfeval, not another installed copy
YEARS = (2020, 2021, 2022, 2023)


def _read_csv(folder: str) -> dict[str, float]:
    """Run in a child process: seconds for ``pandas.read_csv`` of the six tables (the yardstick)."""
    import pandas as pd

    t = time.perf_counter()
    for name in ("departments", "finance", "staffing", "indicators", "goals", "evaluations"):
        pd.read_csv(Path(folder) / f"{name}.csv", dtype=str, keep_default_na=False)
    return {"read_csv": time.perf_counter() - t}


def _measure(folder: str, parquet: bool) -> dict[str, float]:
    """Run in a child process: time each step on ``folder`` and report peak memory."""
    import resource

    import pandas as pd

    import perfeval
    from perfeval._synth import score_audit

    out: dict[str, float] = {}
    t = time.perf_counter()
    ds = perfeval.load(folder)
    out["load"] = time.perf_counter() - t
    if parquet:
        t = time.perf_counter()
        perfeval.load(Path(folder) / "parquet")
        out["load_parquet"] = time.perf_counter() - t
    out["indicator_rows"] = float(len(ds.indicators))
    out["dept_years"] = float(len(ds.evaluations))
    t = time.perf_counter()
    from perfeval._metrics import _metrics_from_items

    items = perfeval.item_metrics(ds)
    _metrics_from_items(ds, items)
    out["metrics"] = time.perf_counter() - t
    t = time.perf_counter()
    card = perfeval.rescore(ds)
    out["rescore"] = time.perf_counter() - t
    t = time.perf_counter()
    findings = perfeval.check(ds, scorecard=card)
    out["check"] = time.perf_counter() - t
    audit = score_audit(findings, pd.read_csv(Path(folder) / "truth.csv"))
    out["recall"] = audit["recall"]
    out["precision"] = audit["precision"]
    out["findings"] = float(len(findings))
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return out


def _province(cache: Path, size: int, seed: int, rate: float, parquet: bool) -> tuple[Path, float]:
    folder = cache / f"province-{size}-s{seed}-r{rate:g}"
    done = folder / ".complete"
    if done.exists() and (not parquet or (folder / "parquet").is_dir()):
        return folder, float(done.read_text() or 0)
    from perfeval._synth import synth

    t = time.perf_counter()
    synth(folder, dept_years=size, years=YEARS, seed=seed, contradiction_rate=rate,
          formats=("csv", "parquet") if parquet else ("csv",))
    took = time.perf_counter() - t
    done.write_text(f"{took:.3f}")
    return folder, took


def _small(repeat: int = 20) -> int:
    """Per-call milliseconds (median of ``repeat``) on the embedded data and one department-year of it."""
    import statistics

    import perfeval

    def ms(fn) -> float:
        fn()
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1000

    ds = perfeval.load()
    one = ds.subset(["hyx-wxb"], [2021])
    print(f"per-call ms, median of {repeat} (load average {os.getloadavg()[0]:.2f})")
    print(f"{'data':>24} {'load':>6} {'metrics':>8} {'rescore':>8} {'check':>6} {'analyse':>8}")
    for label, d, load in ((f"embedded ({len(ds.indicators)} ind rows)", ds, perfeval.load),
                           (f"hyx-wxb 2021 ({len(one.indicators)})", one, None)):
        cells = [ms(load) if load else float("nan")] + [ms(lambda f=f: f(d)) for f in (
            perfeval.metrics, perfeval.rescore, perfeval.check, perfeval.analyse)]
        print(f"{label:>24} " + " ".join(f"{c:>{w}.1f}" if c == c else f"{'—':>{w}}"
                                         for c, w in zip(cells, (6, 8, 8, 6, 8))))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="1000,10000,50000,100000", help="department-years, comma separated")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rate", type=float, default=0.05, help="share of department-years with a planted contradiction")
    p.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "perfeval-bench-core"))
    p.add_argument("--parquet", action="store_true", help="also time load() of a Parquet copy")
    p.add_argument("--small", action="store_true", help="per-call ms on the embedded dataset and one department-year")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--child-read-csv", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.small:
        return _small()
    if args.child:
        print(json.dumps(_measure(args.child, args.parquet)))
        return 0
    if args.child_read_csv:
        print(json.dumps(_read_csv(args.child_read_csv)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    rows = []
    print(f"perfeval core benchmark: {len(YEARS)} years per department, seed {args.seed}, "
          f"{args.rate:.0%} of department-years with a planted contradiction", flush=True)
    head = (f"{'dept-years':>10} {'ind rows':>9} {'synth s':>8} {'read_csv':>8} {'load':>7} {'metrics':>8} "
            f"{'rescore':>8} {'check':>8} {'m+r+c/csv':>9} {'load/csv':>8} {'peak MB':>8} {'recall':>6} {'prec':>6}")
    print(head, flush=True)
    for size in sizes:
        folder, gen = _province(cache, size, args.seed, args.rate, args.parquet)
        r: dict[str, float] = {}
        failed = False
        for cmd in ([sys.executable, __file__, "--child-read-csv", str(folder)],
                    [sys.executable, __file__, "--child", str(folder)] + (["--parquet"] if args.parquet else [])):
            res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
            if res.returncode != 0:
                print(f"{size:>10} failed: {res.stderr.strip().splitlines()[-1] if res.stderr.strip() else res.returncode}")
                failed = True
                break
            r.update(json.loads(res.stdout.strip().splitlines()[-1]))
        if failed:
            continue
        r["size"], r["synth"] = size, gen
        rows.append(r)
        core = r["metrics"] + r["rescore"] + r["check"]
        print(f"{int(r['dept_years']):>10} {int(r['indicator_rows']):>9} {gen:>8.1f} {r['read_csv']:>8.2f} "
              f"{r['load']:>7.2f} {r['metrics']:>8.2f} {r['rescore']:>8.2f} {r['check']:>8.2f} "
              f"{core / r['read_csv']:>8.1f}× {r['load'] / r['read_csv']:>7.1f}× {r['peak_mb']:>8.0f} "
              f"{r['recall']:>6.3f} {r['precision']:>6.3f}", flush=True)
        if args.parquet:
            print(f"{'':>10} load() of the Parquet copy: {r['load_parquet']:.2f} s", flush=True)
    if len(rows) > 1:
        print("\ngrowth per doubling of department-years (time ratio ^ (1 / log2 size ratio)):")
        for a, b in zip(rows, rows[1:]):
            doublings = math.log2(b["size"] / a["size"])

            def g(key_a: float, key_b: float) -> float:
                return (key_b / key_a) ** (1 / doublings) if key_a > 0 else float("nan")

            core_a = a["metrics"] + a["rescore"] + a["check"]
            core_b = b["metrics"] + b["rescore"] + b["check"]
            print(f"  {a['size']:>7} → {b['size']:<7} load {g(a['load'], b['load']):.2f}  "
                  f"metrics {g(a['metrics'], b['metrics']):.2f}  rescore {g(a['rescore'], b['rescore']):.2f}  "
                  f"check {g(a['check'], b['check']):.2f}  metrics+rescore+check {g(core_a, core_b):.2f}  "
                  f"read_csv {g(a['read_csv'], b['read_csv']):.2f}")
    print("\ntargets: metrics+rescore+check ≤ 3× read_csv; growth ≤ 2.2 per doubling; ≤ 2048 MB at the top; "
          "recall = precision = 1.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
