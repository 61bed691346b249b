"""Benchmark: ``perfeval report`` machinery vs papermill + ``jupyter nbconvert`` per report.

Both sides execute the same notebook (``notebooks/01_department_report.ipynb``,
or a small stand-in with a chart and a table if it does not exist yet) on the
same dataset for N departments (default 20; department ids are repeated when
the dataset has fewer) and produce HTML:

* perfeval: :func:`perfeval._run.run_notebooks` — one kernel for the batch,
  namespace reset between reports, HTML export in-process (and, with ``--pdf``,
  PDF too, timed separately);
* baseline: for each department ``papermill`` (CLI, new kernel each time) then
  ``jupyter nbconvert --to html --no-input`` (CLI).

Prints totals, seconds per report and the ratio. Nothing is asserted.

Usage::

    python benchmarks/bench_report.py [-n 20] [--dataset PATH] [--pdf] [--skip-baseline]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from perfeval import _paths  # noqa: E402
from perfeval._run import Job, run_notebooks  # noqa: E402


def stand_in_notebook(folder: Path) -> Path:
    """A small report notebook (parameters, Chinese chart, table, markdown)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    params = new_code_cell("dataset = ''\ndept_id = ''\nyear = None\nframework = ''")
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[
        new_markdown_cell("# 部门整体支出绩效报告（基准用）"),
        params,
        new_code_cell("import perfeval\nfrom perfeval._fonts import use_cjk_font\nuse_cjk_font()\n"
                      "import matplotlib.pyplot as plt\nds = perfeval.load(dataset or None)\n"
                      "fin = ds.finance[ds.finance['dept_id'] == dept_id]"),
        new_markdown_cell("## 一、资金情况"),
        new_code_cell("fig, ax = plt.subplots()\nfin.groupby('year')['actual'].sum().plot.bar(ax=ax)\n"
                      "ax.set_title(ds.dept_name(dept_id) + ' 全年执行数（万元）')\nplt.show()"),
        new_code_cell("fin[['year', 'item', 'initial_budget', 'adjusted_budget', 'actual']].head(30)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "bench_report.ipynb"
    nbformat.write(nb, path)
    return path


def plan(dataset: str, n: int) -> list[dict]:
    """N parameter sets (dept ids repeated if the dataset has fewer)."""
    import perfeval

    ds = perfeval.load(dataset or None)
    ids = [str(d) for d in ds.departments["dept_id"] if ds.years(str(d))]
    return [
        {"dataset": dataset, "dept_id": ids[i % len(ids)], "year": ds.years(ids[i % len(ids)])[-1], "framework": ""}
        for i in range(n)
    ]


def run_perfeval(notebook: Path, params: list[dict], out: Path, formats: tuple[str, ...]) -> float:
    jobs = [Job(notebook, p, out / f"r{i:02d}", formats, p["dept_id"]) for i, p in enumerate(params)]
    t0 = time.perf_counter()
    results = run_notebooks(jobs, progress=False)
    elapsed = time.perf_counter() - t0
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"  perfeval: {len(failed)} failed, first: {failed[0].error}")
    return elapsed


def run_baseline(notebook: Path, params: list[dict], out: Path) -> float:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    t0 = time.perf_counter()
    for i, p in enumerate(params):
        executed = out / f"b{i:02d}.ipynb"
        subprocess.run(
            ["papermill", str(notebook), str(executed), "-y", json.dumps(p), "--cwd", str(notebook.parent),
             "--no-progress-bar", "--log-level", "ERROR"],
            check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        subprocess.run(
            ["jupyter", "nbconvert", "--to", "html", "--no-input", str(executed), "--output", f"b{i:02d}"],
            check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="reports per side (default 20)")
    parser.add_argument("--dataset", default="", help="dataset path (default: the embedded one)")
    parser.add_argument("--pdf", action="store_true", help="also time perfeval with HTML+PDF")
    parser.add_argument("--skip-baseline", action="store_true", help="only time perfeval")
    args = parser.parse_args(argv)

    notebook = _paths.NOTEBOOKS_DIR / "01_department_report.ipynb"
    with tempfile.TemporaryDirectory(prefix="perfeval-bench-") as tmp:
        work = Path(tmp)
        if not notebook.is_file():
            notebook = stand_in_notebook(work)
        params = plan(args.dataset, args.n)
        print(f"notebook: {notebook.relative_to(REPO) if notebook.is_relative_to(REPO) else notebook.name}; "
              f"{args.n} reports; departments: {len({p['dept_id'] for p in params})}")
        (work / "p").mkdir()
        ours = run_perfeval(notebook, params, work / "p", ("html",))
        print(f"perfeval run_notebooks (html):      {ours:7.1f} s total, {ours / args.n:5.2f} s/report")
        if args.pdf:
            (work / "q").mkdir()
            ours_pdf = run_perfeval(notebook, params, work / "q", ("html", "pdf"))
            print(f"perfeval run_notebooks (html+pdf):  {ours_pdf:7.1f} s total, {ours_pdf / args.n:5.2f} s/report")
        if not args.skip_baseline:
            (work / "b").mkdir()
            base = run_baseline(notebook, params, work / "b")
            print(f"papermill + nbconvert CLI (html):   {base:7.1f} s total, {base / args.n:5.2f} s/report")
            print(f"ratio (baseline / perfeval, per report): {base / ours:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
