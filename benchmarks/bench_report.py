"""Benchmark: seconds per department report, four ways, and as the dataset grows.

Part 1 — the same notebook (``notebooks/01_department_report.ipynb``) for the same N
departments of the embedded dataset (ids repeated when it has fewer), HTML only:

* perfeval serial, as ``perfeval report`` runs a batch: the dataset loaded and analysed
  once, each report handed its :meth:`~perfeval.Analysis.scope`, then
  :func:`perfeval.run_reports` — one kernel for the batch; the load, the analysis and
  the scopes are counted in the total;
* perfeval serial with each notebook analysing itself (``analysis`` left empty, as
  when a notebook is run on its own — the notebook papermill runs below);
* perfeval ``--jobs 2``: two worker processes, one kernel each (analysed once);
* perfeval on a dask ``LocalCluster`` with 2 worker processes (1 thread each,
  analysed once); cluster start-up printed separately;
* papermill (CLI, a new kernel per report) then ``jupyter nbconvert --to html
  --no-input`` (CLI) per report — the usual way (``pip install -e '.[bench]'``).

Ratios are against perfeval serial (analysed once); the papermill row also gives its
ratio to the serial run whose notebooks analyse themselves.

Part 2 — per-report cost on datasets of 25, 400 and 2,000 department-years (the
seeded 示例 departments of :func:`perfeval.generate_examples`, copied into as many
counties as needed): K department reports each, serially, one kernel, the way a batch
(``perfeval report``) runs them: the dataset analysed once (timed apart, with its load),
each report handed its :meth:`~perfeval.Analysis.scope` (the slice's size and the time
to cut and write it are printed). ``--standalone`` also times the notebooks run on their
own (each loads the dataset and analyses its own scope).

Prints totals, seconds per report and ratios. Nothing is asserted.

Usage::

    python benchmarks/bench_report.py [-n 8] [--sizes 25,400,2000] [-k 3] [--skip-baseline] [--skip-dask]
                                      [--skip-part1] [--standalone]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perfeval import _paths
from perfeval._run import Job, run_notebooks
from perfeval.cli import _skip_iri_grammars

# This process runs the batches as the perfeval command's process would, which skips
# rfc3987_syntax's grammars (2-4 s when nbformat first imports jsonschema); the papermill
# and jupyter nbconvert processes of the baseline import them (see docs/scale.md).
_skip_iri_grammars()

NOTEBOOK = _paths.NOTEBOOKS_DIR / "01_department_report.ipynb"


def plan(dataset: str, n: int) -> list[dict]:
    """N parameter sets (department ids repeated if the dataset has fewer)."""
    import perfeval

    ds = perfeval.load(dataset or None)
    ids = [str(d) for d in ds.departments["dept_id"] if ds.years(str(d))]
    return [
        {"dataset": dataset, "dept_id": ids[i % len(ids)], "year": int(ds.years(ids[i % len(ids)])[-1]),
         "framework": ""}
        for i in range(n)
    ]


def batch_params(dataset: str, params: list[dict], folder: Path) -> tuple[float, float, int]:
    """As a batch does: load and analyse once, then each report's scope written for its notebook.

    Sets ``analysis`` in ``params``; returns (load + analyse seconds, seconds per scope cut and
    written, bytes per scope file).
    """
    import perfeval

    t0 = time.perf_counter()
    analysis = perfeval.analyse(perfeval.load(dataset or None))
    once = time.perf_counter() - t0
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    size = 0
    for i, p in enumerate(params):
        path = analysis.scope(p["dept_id"], p["year"]).write(folder / f"{i}.pkl")
        p["analysis"] = str(path)
        size += path.stat().st_size
    return once, (time.perf_counter() - t0) / len(params), size // len(params)


def perfeval_run(params: list[dict], out: Path, **kwargs) -> float:
    out.mkdir(parents=True, exist_ok=True)
    jobs = [Job(NOTEBOOK, p, out / f"r{i:03d}", ("html",), p["dept_id"]) for i, p in enumerate(params)]
    t0 = time.perf_counter()
    results = run_notebooks(jobs, progress=False, **kwargs)
    elapsed = time.perf_counter() - t0
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"    ({len(failed)} failed, first: {failed[0].error})")
    return elapsed


def baseline_run(params: list[dict], out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    bindir = Path(sys.executable).parent
    papermill = shutil.which("papermill", path=str(bindir))
    jupyter = shutil.which("jupyter", path=str(bindir))
    if not papermill or not jupyter:  # another environment's papermill would run that environment's perfeval
        raise SystemExit(f"papermill and jupyter are needed in {bindir} (pip install -e '.[bench]'), "
                         "or pass --skip-baseline")
    t0 = time.perf_counter()
    for i, p in enumerate(params):
        executed = out / f"b{i:03d}.ipynb"
        subprocess.run([papermill, str(NOTEBOOK), str(executed), "-y", json.dumps(p), "--cwd", str(NOTEBOOK.parent),
                        "--no-progress-bar", "--log-level", "ERROR"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([jupyter, "nbconvert", "--to", "html", "--no-input", str(executed), "--output", f"b{i:03d}"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def synthetic_dataset(folder: Path, dept_years: int) -> Path:
    """A CSV dataset of ``dept_years`` department-years: the 示例 departments in enough counties."""
    import pandas as pd

    import perfeval
    from perfeval._examples import format_csv_rows

    years = range(2019, 2024)  # 5 departments × 5 years = 25 department-years a county
    copies = max(1, dept_years // 25)
    frames: dict[str, list] = {}
    for k in range(copies):
        county = perfeval.generate_examples(5, years=years, seed=20211 + k, region=f"示例{k + 1}县")
        for name, frame in county.items():
            frame = frame.copy()
            if k:
                frame["dept_id"] = frame["dept_id"].astype("str") + f"-{k + 1}"
                if name == "departments":
                    frame["name"] = frame["name"].astype("str") + f"{k + 1}"
            frames.setdefault(name, []).append(frame)
    folder.mkdir(parents=True, exist_ok=True)
    for name, parts in frames.items():
        frame = pd.concat(parts, ignore_index=True)
        lines = [",".join(frame.columns)] + format_csv_rows(frame)
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=8, help="reports per way in part 1 (default 8)")
    parser.add_argument("--sizes", default="25,400,2000", help="department-years of the part-2 datasets")
    parser.add_argument("-k", type=int, default=3, help="reports per dataset in part 2 (default 3)")
    parser.add_argument("--skip-baseline", action="store_true", help="no papermill + nbconvert")
    parser.add_argument("--skip-dask", action="store_true", help="no LocalCluster")
    parser.add_argument("--skip-part1", action="store_true", help="only part 2")
    parser.add_argument("--standalone", action="store_true", help="part 2 also with notebooks run on their own")
    args = parser.parse_args(argv)

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; notebook {NOTEBOOK.name}")
    with tempfile.TemporaryDirectory(prefix="perfeval-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_part1:
            part1(args, work)
        part2(args, work)
    return 0


def part1(args: argparse.Namespace, work: Path) -> None:
    params = plan("", args.n)
    n = len(params)
    print(f"\npart 1: {n} department reports (HTML) of the embedded dataset, "
          f"{len({p['dept_id'] for p in params})} departments")
    rows: dict[str, float] = {}
    alone = [dict(p) for p in params]
    t0 = time.perf_counter()
    batch_params("", params, work / "scope")  # as `perfeval report` does: analysed once, counted below
    once = time.perf_counter() - t0
    rows["perfeval serial (one kernel)"] = once + perfeval_run(params, work / "serial")
    print(f"  (load, analyse once and cut {n} scopes: {once:.1f} s, counted in each perfeval row)")
    rows["perfeval serial, notebooks analyse"] = perfeval_run(alone, work / "alone")
    rows["perfeval --jobs 2"] = once + perfeval_run(params, work / "jobs2", workers=2)
    if not args.skip_dask:
        from distributed import LocalCluster

        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        print(f"  (LocalCluster start-up: {time.perf_counter() - t0:.1f} s, not counted)")
        try:
            rows["perfeval LocalCluster, 2 workers"] = once + perfeval_run(params, work / "dask", scheduler=cluster)
        finally:
            cluster.close()
    if not args.skip_baseline:  # the notebooks analyse themselves, as when papermill runs them
        rows["papermill + nbconvert --no-input"] = baseline_run(alone, work / "baseline")
    serial = rows["perfeval serial (one kernel)"]
    for label, total in rows.items():
        note = (f"{serial / total:.2f}× vs serial" if label.startswith("perfeval") else
                f"{total / serial:.1f}× slower than perfeval serial, "
                f"{total / rows['perfeval serial, notebooks analyse']:.1f}× than the notebooks analysing")
        print(f"  {label:36s} {total:7.1f} s total  {total / n:6.2f} s/report  ({note})")
    print(f"  (load average now {os.getloadavg()[0]:.1f})")


def part2(args: argparse.Namespace, work: Path) -> None:
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"\npart 2: {args.k} department reports (HTML) each, serially, as the dataset grows "
          f"(load {os.getloadavg()[0]:.1f})")
    per_report: dict[int, float] = {}
    alone: dict[int, float] = {}
    for size in sizes:
        t0 = time.perf_counter()
        folder = synthetic_dataset(work / f"ds{size}", size)
        made = time.perf_counter() - t0
        p = plan(str(folder), args.k)
        once, cut, nbytes = batch_params(str(folder), p, work / f"scope{size}")
        total = perfeval_run(p, work / f"size{size}")
        per_report[size] = total / len(p)
        print(f"  {size:5d} department-years (made in {made:4.1f} s): load + analyse once {once:5.1f} s; "
              f"scope {1000 * cut:5.0f} ms, {nbytes / 1024:6.0f} KB a report; "
              f"{total:7.1f} s total  {per_report[size]:6.2f} s/report")
        if args.standalone:
            for q in p:
                q["analysis"] = ""
            total = perfeval_run(p, work / f"alone{size}")
            alone[size] = total / len(p)
            print(f"  {'':5s} notebooks on their own (each loads and analyses its scope): "
                  f"{total:7.1f} s total  {alone[size]:6.2f} s/report")
    if len(per_report) > 1:
        small, large = min(per_report), max(per_report)
        print(f"  per-report cost at {large} vs {small} department-years: "
              f"{per_report[large] / per_report[small]:.2f}× (target ≤ 1.3×)")
        if alone:
            print(f"  on their own: {alone[large] / alone[small]:.2f}×")


if __name__ == "__main__":
    sys.exit(main())
