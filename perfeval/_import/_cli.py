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
    p.add_argument("-o", "--output", required=True, metavar="DATASET_DIR", help="数据集文件夹（不存在则新建，已存在则合并）")
    p.add_argument("--dept-id", default=None, help="部门编码（默认由地区与部门名称生成 dept-xxxxxxxx）")
    p.add_argument("--year", type=int, default=None, help="年度（默认从标题“（2021年度）”、文件名或正文读取）")
    p.add_argument("--no-progress", action="store_true", help="不显示进度条")
    p.add_argument("--keep-personal-data", action="store_true",
                   help="保留报告中的个人信息（电话、身份证号、电子邮箱、联系人姓名）；默认以 * 遮盖")
    p.set_defaults(func=run_import, handler=run_import)
    return p


def run_import(args: argparse.Namespace) -> int:
    """Run the import; exit code 0 (all imported), 1 (a file failed or conflicted), 2 (bad usage)."""
    from perfeval._errors import UsageError
    from perfeval._import._batch import import_reports

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise UsageError("找不到文件或文件夹：" + "、".join(missing))
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"输出位置 {out} 不是文件夹")
    summary = import_reports(args.paths, out, dept_id=args.dept_id, year=args.year, progress=not args.no_progress,
                             keep_personal_data=args.keep_personal_data)  # ReportImportError: exit code 1
    print(summary)
    return 0 if summary.ok else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m perfeval._import._cli import …``: the ``perfeval`` command (one entry point)."""
    from perfeval.cli import main as perfeval_main

    return perfeval_main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
