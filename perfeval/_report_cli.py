"""``perfeval report``, ``perfeval compare`` and ``perfeval trends``.

Each command turns its options into notebook jobs (``notebooks/01…03``), runs
them with :func:`perfeval._run.run_notebooks` (one kernel for the whole batch)
and, for ``--to xlsx``, writes workbooks with :mod:`perfeval._xlsx`.  It prints
one Chinese line per written file, one error line per failed report and a
summary line.  Exit codes: 0 all written, 1 a report failed (or the dataset does
not load), 2 bad usage. Errors are :class:`perfeval._errors.PerfevalError` subclasses,
turned into messages and exit codes by the command's one boundary
(:func:`perfeval.cli.main`).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfeval import _paths
from perfeval._errors import EXIT_DATA as EXIT_FAILED
from perfeval._errors import EXIT_OK, EXIT_USAGE, DataError, PerfevalError, UsageError, report_error
from perfeval._export import safe_filename, unique_stems

if TYPE_CHECKING:  # the runner (nbformat, jsonschema) is imported when a report is run, not to parse argv
    from perfeval._run import Job, RunResult

#: Formats ``--to`` accepts (the executed ``.ipynb`` is always written).
FORMATS: tuple[str, ...] = ("html", "pdf", "xlsx", "ipynb")
NOTEBOOKS: dict[str, str] = {
    "report": "01_department_report.ipynb",
    "compare": "02_compare_departments.ipynb",
    "trends": "03_trends.ipynb",
}


#: Bad usage of a report command (exit code 2).
ReportUsageError = UsageError
#: The dataset cannot be used (exit code 1).
ReportDataError = DataError


# --------------------------------------------------------------------------- helpers


def parse_formats(text: str) -> tuple[str, ...]:
    """Parse ``--to`` ("html,pdf,xlsx") into a de-duplicated tuple.

    Raises
    ------
    ReportUsageError
        On an empty list or an unknown format.
    """
    items = [t.strip().lower() for t in str(text).replace("，", ",").split(",") if t.strip()]
    if not items:
        raise ReportUsageError("--to 不能为空（可选：html、pdf、xlsx，用逗号分隔）")
    unknown = [t for t in items if t not in FORMATS]
    if unknown:
        raise ReportUsageError(f"--to 中有不支持的格式：{'、'.join(unknown)}（可选：html、pdf、xlsx，用逗号分隔）")
    return tuple(dict.fromkeys(items))


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # other drive on Windows
        return str(path)
    return str(Path(path).resolve()) if rel.startswith("..") else rel


def _notebook(command: str) -> Path:
    path = _paths.NOTEBOOKS_DIR / NOTEBOOKS[command]
    if not path.is_file():
        raise ReportDataError(f"找不到报告笔记本：{path}（安装不完整？）")
    return path


def _dataset_param(dataset: str | None) -> str:
    """The ``dataset`` notebook parameter: absolute path, or "" for the default."""
    if not dataset:
        return ""
    path = Path(dataset)
    if not path.exists():
        raise ReportUsageError(f"找不到数据集：{dataset}（应为 CSV 文件夹或 .xlsx 工作簿）")
    return str(path.resolve())


def _load(dataset: str | None) -> Any:
    from perfeval._dataset import load

    return load(dataset or None)  # DatasetError: exit code 1


def _dataset_of(args: argparse.Namespace) -> Any:
    """The batch's dataset: loaded once (``perfeval all`` hands it to every step), personal data masked
    (:func:`perfeval._privacy.mask_dataset`) unless ``--keep-personal-data``."""
    ds = getattr(args, "loaded_dataset", None)
    if ds is None:
        ds = _load(args.dataset)
        if not getattr(args, "keep_personal_data", False):  # reports and workbooks never carry it by default
            from perfeval._privacy import mask_dataset

            ds = mask_dataset(ds)
        args.loaded_dataset = ds
    return ds


def _analysis_of(args: argparse.Namespace) -> Any:
    """The batch's :func:`perfeval.analyse`: computed once, every report takes its part."""
    from perfeval._analysis import analyse
    from perfeval._errors import PerfevalError

    a = getattr(args, "analysis_bundle", None)
    if a is None:
        try:
            a = analyse(_dataset_of(args), args.framework or None)
        except PerfevalError as exc:
            raise ReportDataError(str(exc)) from exc
        args.analysis_bundle = a
    return a


@contextmanager
def _handover() -> Iterator[Path]:
    """A private folder for the analysis parts handed to the notebooks (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="perfeval-analysis-") as tmp:
        yield Path(tmp)


def _out_dir(value: str | None) -> Path:
    out = Path(value) if value else Path(_paths.EXPORTS_DIR)
    if out.exists() and not out.is_dir():
        raise ReportUsageError(f"输出位置不是文件夹：{out}")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _framework_param(name: str | None) -> str:
    if not name:
        return ""
    path = Path(name)
    if path.suffix.lower() == ".toml":
        if not path.is_file():
            raise ReportUsageError(f"找不到评分框架文件：{name}")
        return str(path.resolve())
    return name


def _xlsx_module() -> Any:
    try:
        return importlib.import_module("perfeval._xlsx")
    except ImportError as exc:
        raise ReportUsageError("本安装不支持 --to xlsx（缺少 perfeval._xlsx 模块）") from exc


def _say(line: str, *, error: bool = False) -> None:
    from tqdm import tqdm

    tqdm.write(line, file=sys.stderr if error else sys.stdout)


class _Tally:
    """Counts written files and failures; prints the per-file lines."""

    def __init__(self) -> None:
        self.files = 0
        self.failed: list[str] = []
        self.ok_reports = 0

    def result(self, res: RunResult) -> None:
        label = res.job.label or res.job.output_stem.name
        if res.ok:
            self.ok_reports += 1
            for fmt in ("ipynb", "html", "pdf"):
                if fmt in res.outputs:
                    self.files += 1
                    _say(f"已写出 {fmt.upper():5s} {_display(res.outputs[fmt])}")
        else:
            self.failed.append(label)
            where = f"；已保存标记失败的笔记本 {_display(res.outputs['ipynb'])}" if "ipynb" in res.outputs else ""
            if "ipynb" in res.outputs:
                self.files += 1
            _say(f"生成失败：{label}：{res.error}{where}", error=True)

    def wrote(self, path: Path, fmt: str) -> None:
        self.files += 1
        _say(f"已写出 {fmt.upper():5s} {_display(path)}")

    def fail(self, label: str, message: str) -> None:
        self.failed.append(label)
        _say(f"生成失败：{label}：{message}", error=True)

    def finish(self, total: int, out: Path) -> int:
        status = f"成功 {total - len(self.failed)} 份" + (f"，失败 {len(self.failed)} 份" if self.failed else "")
        print(f"共 {total} 份报告：{status}；写出 {self.files} 个文件，位于 {_display(out)}", file=sys.stdout)
        return EXIT_FAILED if self.failed else EXIT_OK


def _select_depts(ds: Any, requested: Sequence[str] | None) -> list[str]:
    """The requested department ids (de-duplicated, in order), checked against the dataset."""
    known = [str(d) for d in ds.departments["dept_id"].tolist()]
    dept_ids = list(dict.fromkeys(requested or []))
    unknown = [d for d in dept_ids if d not in known]
    if unknown:
        raise ReportUsageError(f"数据集中没有这些部门编码：{'、'.join(unknown)}（可选：{'、'.join(known)}）")
    return dept_ids


def _run(jobs: list[Job], tally: _Tally, progress: bool, args: argparse.Namespace | None = None) -> None:
    from perfeval._cliargs import check_parallel_args
    from perfeval._run import run_notebooks

    workers, scheduler = getattr(args, "jobs", 1), getattr(args, "scheduler", None)
    problem = check_parallel_args(workers, scheduler)
    if problem:
        raise ReportUsageError(problem)
    if jobs:
        try:
            run_notebooks(jobs, progress=progress and len(jobs) > 1, on_result=tally.result,
                          workers=workers, scheduler=scheduler)
        except RuntimeError as exc:  # the dask scheduler cannot be reached
            raise ReportDataError(str(exc)) from exc


# --------------------------------------------------------------------------- commands


def cmd_report(args: argparse.Namespace) -> int:
    """Run ``01_department_report`` for each selected department."""
    from perfeval._run import Job
    formats = parse_formats(args.to)
    dataset = _dataset_param(args.dataset)
    framework = _framework_param(args.framework)
    out = _out_dir(args.output)
    ds = _dataset_of(args)
    dept_ids = _select_depts(ds, args.dept) or [str(d) for d in ds.departments["dept_id"].tolist()]
    if not dept_ids:
        raise ReportDataError("数据集中没有部门，无报告可生成")
    tally = _Tally()
    plan: list[tuple[str, str, int]] = []
    skipped = 0
    for dept_id in dept_ids:
        name = ds.dept_name(dept_id)
        years = ds.years(dept_id)
        if args.year is not None and args.year not in years:
            have = "、".join(str(y) for y in years) or "无"
            if args.dept:
                tally.fail(f"{name}（{dept_id}）", f"没有 {args.year} 年度的数据（已有年度：{have}）")
            else:
                skipped += 1
                _say(f"跳过：{name}（{dept_id}）没有 {args.year} 年度的数据（已有年度：{have}）")
            continue
        if not years:
            tally.fail(f"{name}（{dept_id}）", "没有任何年度的数据")
            continue
        plan.append((dept_id, name, args.year if args.year is not None else years[-1]))
    notebook = _notebook("report") if plan and formats != ("xlsx",) else None
    stems = unique_stems(f"部门报告_{name}_{year}" for _, name, year in plan)
    analysis = _analysis_of(args) if plan else None
    with _handover() as tmp:
        jobs = []
        for k, ((dept_id, name, year), stem) in enumerate(zip(plan, stems)):
            if notebook is not None:
                part = analysis.scope(dept_id, int(year)).write(tmp / f"{k}.pkl")
                params = {"dataset": dataset, "dept_id": dept_id, "year": int(year), "framework": framework,
                          "analysis": str(part)}
                jobs.append(Job(notebook, params, out / stem, tuple(f for f in formats if f in ("html", "pdf")),
                                f"{name}（{dept_id}，{year}）"))
        _run(jobs, tally, not args.no_progress, args)
    if "xlsx" in formats:
        xlsx = _xlsx_module()
        for (dept_id, name, year), stem in zip(plan, stems):
            try:
                kwargs = {"framework": args.framework} if args.framework else {}
                path = xlsx.export_department_xlsx(ds, dept_id, int(year), out / f"{stem}.xlsx",
                                                   analysis=analysis, **kwargs)
                tally.wrote(Path(path), "xlsx")
            except Exception as exc:  # noqa: BLE001 - one workbook must not stop the batch
                tally.fail(f"{name}（{dept_id}，{year}）Excel", f"{type(exc).__name__}: {exc}")
    if not plan and not tally.failed:
        raise ReportDataError(f"没有部门有 {args.year} 年度的数据，无报告可生成")
    return tally.finish(len(dept_ids) - skipped, out)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run ``02_compare_departments`` for one year."""
    from perfeval._run import Job
    formats = parse_formats(args.to)
    dataset = _dataset_param(args.dataset)
    framework = _framework_param(args.framework)
    out = _out_dir(args.output)
    ds = _dataset_of(args)
    dept_ids = _select_depts(ds, args.dept)
    years = ds.years()
    if not years:
        raise ReportDataError("数据集中没有任何年度的数据")
    if args.year is not None and args.year not in years:
        raise ReportUsageError(f"数据集中没有 {args.year} 年度（已有年度：{'、'.join(map(str, years))}）")
    year = args.year if args.year is not None else ds.comparison_year()
    stem = safe_filename(f"部门对比_{year}" + ("_" + "_".join(dept_ids) if dept_ids else ""))
    tally = _Tally()
    analysis = _analysis_of(args)
    if formats != ("xlsx",):
        with _handover() as tmp:
            part = analysis.scope(year=int(year)).write(tmp / "compare.pkl")
            params = {"dataset": dataset, "year": int(year), "dept_ids": dept_ids, "framework": framework,
                      "analysis": str(part)}
            job = Job(_notebook("compare"), params, out / stem, tuple(f for f in formats if f in ("html", "pdf")),
                      f"部门对比（{year}）")
            _run([job], tally, False, args)
    if "xlsx" in formats:
        xlsx = _xlsx_module()
        try:
            kwargs: dict[str, Any] = {"dept_ids": dept_ids or None, "analysis": analysis}
            if args.framework:
                kwargs["framework"] = args.framework
            path = xlsx.export_compare_xlsx(ds, int(year), out / f"{stem}.xlsx", **kwargs)
            tally.wrote(Path(path), "xlsx")
        except Exception as exc:  # noqa: BLE001
            tally.fail(f"部门对比（{year}）Excel", f"{type(exc).__name__}: {exc}")
    return tally.finish(1, out)


def cmd_trends(args: argparse.Namespace) -> int:
    """Run ``03_trends`` over all years."""
    from perfeval._run import Job
    formats = parse_formats(args.to)
    if "xlsx" in formats:
        raise ReportUsageError("trends 不支持 --to xlsx（可选：html、pdf）")
    dataset = _dataset_param(args.dataset)
    framework = _framework_param(args.framework)
    out = _out_dir(args.output)
    ds = _dataset_of(args)
    dept_ids = _select_depts(ds, args.dept)
    stem = safe_filename("趋势分析" + ("_" + "_".join(dept_ids) if dept_ids else ""))
    tally = _Tally()
    with _handover() as tmp:
        part = _analysis_of(args).scope(dept_ids or None).write(tmp / "trends.pkl")
        params = {"dataset": dataset, "dept_ids": dept_ids, "framework": framework, "analysis": str(part)}
        job = Job(_notebook("trends"), params, out / stem, tuple(f for f in formats if f in ("html", "pdf")),
                  "趋势分析")
        _run([job], tally, False, args)
    return tally.finish(1, out)


def cmd_all(args: argparse.Namespace) -> int:
    """Everything an analyst hands on, in one go: ``report`` for every department,
    ``compare`` for the comparison year and ``trends`` over all years."""
    formats = parse_formats(args.to)
    _dataset_param(args.dataset)  # a missing or broken dataset is said once, not once per step
    _analysis_of(args)  # the dataset loaded and analysed once; every step takes its part
    steps = (
        ("部门报告", cmd_report, formats),
        ("部门对比", cmd_compare, formats),
        ("趋势分析", cmd_trends, tuple(f for f in formats if f != "xlsx") or ("html",)),
    )
    worst = EXIT_OK
    for label, func, fmts in steps:
        _say(f"—— {label} ——")
        ns = argparse.Namespace(**{**vars(args), "to": ",".join(fmts), "dept": None, "year": None})
        worst = max(worst, _wrap(func)(ns))
    return worst


def _wrap(func: Any) -> Any:
    """Run one step of ``all``: its error is reported and the next step still runs."""

    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except PerfevalError as exc:
            return report_error(exc)

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


def _options(p: argparse.ArgumentParser, *, dept: bool, year: bool, to_default: str = "html,pdf",
             parallel: bool = False) -> None:
    p.add_argument("dataset", nargs="?", default=None, help="数据集（CSV 文件夹或 .xlsx 工作簿）；省略时用内置默认数据")
    if dept:
        p.add_argument("--dept", action="append", metavar="ID", help="部门编码（可重复）；省略时为全部部门")
    if year:
        p.add_argument("--year", type=int, metavar="年度", help="年度；省略时用最近一年")
    p.add_argument("--to", default=to_default, metavar="格式",
                   help=f"输出格式，逗号分隔：html、pdf、xlsx（默认 {to_default}；执行后的 .ipynb 总会写出）")
    p.add_argument("-o", "--output", metavar="文件夹", default=None,
                   help=f"输出文件夹（默认 {_display(Path(_paths.EXPORTS_DIR))}）")
    p.add_argument("--framework", metavar="NAME|FILE", default=None, help="评分框架：内置名称或 TOML 文件（默认按数据集所用框架）")
    p.add_argument("--no-progress", action="store_true", help="不显示进度条")
    p.add_argument("--keep-personal-data", action="store_true",
                   help="保留数据中的个人信息（姓名、电话、身份证号、电子邮箱）；默认在报告和 Excel 中以 * 遮盖")
    if parallel:
        from perfeval._cliargs import parallel_options

        parallel_options(p)


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``report``, ``compare`` and ``trends`` on the ``perfeval`` parser."""
    p = subparsers.add_parser("report", help="部门报告：为每个部门执行 01 号笔记本，写出 HTML/PDF（及 Excel）")
    _options(p, dept=True, year=True, parallel=True)
    p.set_defaults(func=cmd_report)
    p = subparsers.add_parser("compare", help="部门对比：执行 02 号笔记本，写出 HTML/PDF（及 Excel）")
    _options(p, dept=True, year=True)
    p.set_defaults(func=cmd_compare)
    p = subparsers.add_parser("trends", help="趋势分析：执行 03 号笔记本，写出 HTML/PDF")
    _options(p, dept=True, year=False)
    p.set_defaults(func=cmd_trends)
    p = subparsers.add_parser("all", help="全部成果：每个部门的报告、部门对比、趋势分析（HTML、PDF、Excel）")
    _options(p, dept=False, year=False, to_default="html,pdf,xlsx", parallel=True)
    p.set_defaults(func=cmd_all)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m perfeval._report_cli report …``: the ``perfeval`` command (one entry point)."""
    from perfeval.cli import main as perfeval_main

    return perfeval_main(argv)


__all__ = ["add_commands", "cmd_report", "cmd_compare", "cmd_trends", "parse_formats", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
