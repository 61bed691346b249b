"""``perfeval import FILE_OR_FOLDER... -o DATASET_DIR [--dept-id ID] [--year Y] [--keep-personal-data]``.

Errors are :class:`perfeval._errors.PerfevalError` subclasses; the ``perfeval`` command's
one boundary (:func:`perfeval.cli.main`) prints them and sets the exit code.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "把部门报告（.docx、导出的文本、.xlsx、.doc/.wps）导入为数据集"


def add_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``import`` sub-command on an argparse ``subparsers`` object."""
    p = subparsers.add_parser("import", help=HELP, description=HELP)
    p.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER", help="报告文件或文件夹（递归查找）")
    p.add_argument("-o", "--output", metavar="DATASET_DIR", help="数据集文件夹（不存在则新建，已存在则合并）；--explain 时不需要")
    p.add_argument("--explain", action="store_true",
                   help="只说明如何读取每个文件（识别出的单位、表块、表头、读取与略过的行及原因），不写数据集")
    p.add_argument("--dept-id", default=None, help="部门编码（默认由地区与部门名称生成 dept-xxxxxxxx）")
    p.add_argument("--dept-name", default=None, help="报告中未写明部门时使用的部门名称（默认用文件名，并记入导入日志）")
    p.add_argument("--year", type=int, default=None, help="年度（默认从标题“（2021年度）”、文件名或正文读取）")
    p.add_argument("--no-progress", action="store_true", help="不显示进度条")
    from perfeval._cliargs import parallel_options

    parallel_options(p, what="读取报告")
    p.add_argument("--keep-personal-data", action="store_true",
                   help="保留报告中的个人信息（电话、身份证号、电子邮箱、联系人姓名）；默认以 * 遮盖")
    p.set_defaults(func=run_import, handler=run_import)
    return p


def run_import(args: argparse.Namespace) -> int:
    """Run the import; exit code 0 (all imported), 1 (a file failed or conflicted), 2 (bad usage)."""
    from perfeval._errors import DataError, UsageError
    from perfeval._import._batch import import_reports
    from perfeval._cliargs import check_parallel_args

    problem = check_parallel_args(args.jobs, args.scheduler)
    if problem:
        raise UsageError(problem)

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise UsageError("找不到文件或文件夹：" + "、".join(missing))
    if args.explain:
        return explain(args)
    if not args.output:
        raise UsageError("请用 -o 指定数据集文件夹（或用 --explain 只查看识别结果）")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"输出位置 {out} 不是文件夹")
    try:
        summary = import_reports(args.paths, out, dept_id=args.dept_id, year=args.year, progress=not args.no_progress,
                                 dept_name=args.dept_name, keep_personal_data=args.keep_personal_data,
                                 jobs=args.jobs, scheduler=args.scheduler)  # ReportImportError: exit code 1
    except RuntimeError as exc:  # the dask scheduler cannot be reached
        raise DataError(str(exc)) from exc
    print(summary)
    return 0 if summary.ok else 1


def explain(args: argparse.Namespace) -> int:
    """Print, for each file, the layout the importer recognised; exit 1 when a file cannot be read."""
    from perfeval._import._batch import collect_files
    from perfeval._import._model import ReportImportError
    from perfeval._import._read import read_report

    files, _ignored, _missing = collect_files(list(args.paths))
    status = 0
    for f in files:
        print(f"== {f}")
        try:
            rep = read_report(f, dept_id=args.dept_id, year=args.year, dept_name=args.dept_name)
        except ReportImportError as exc:
            print(f"  无法导入：{exc.reason}")
            status = 1
            continue
        what = f"，项目「{rep.project}」" if rep.project else ""
        print(f"  部门：{rep.name or '（空）'}（地区 {rep.region or '未写明'}，编码 {rep.dept_id}），年度 {rep.year}{what}")
        for label, value, where in rep.layout.get("who", []):
            print(f"    {label}：{value}（{where}）")
        print("  识别出的表块：")
        for b in rep.layout.get("blocks", []):
            print(f"    - {b['block']}，{b['where']}，读取 {b['rows']} 行；表头：{b['header']}")
        t = rep.tables
        print(f"  导入：资金 {len(t['finance'])} 行，人员 {len(t['staffing'])} 行，指标 {len(t['indicators'])} 项，"
              f"目标 {len(t['goals'])} 条，自评结果 {len(t['evaluations'])} 行"
              + (f"；一级指标分值 {dict(rep.level_weights)}" if rep.level_weights else ""))
        for r in rep.log[rep.log["message"].str.contains("评分框架", na=False)].itertuples():
            print(f"  评分框架：{r.message}")
        skipped = rep.layout.get("skipped", [])
        if skipped:
            print("  略过的行：")
            for where, raw, why in skipped:
                print(f"    - {where}「{raw}」：{why}")
        notes = rep.log[rep.log["level"] != "提示"]
        if len(notes):
            print("  警告：")
            for r in notes.itertuples():
                print(f"    - {r.location}「{r.raw}」：{r.message}")
    return status


def main(argv: list[str] | None = None) -> int:
    """``python -m perfeval._import._cli import …``: the ``perfeval`` command (one entry point)."""
    from perfeval.cli import main as perfeval_main

    return perfeval_main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
