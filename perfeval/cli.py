"""The ``perfeval`` command line.

Commands: ``check``, ``metrics``, ``score`` (this module), ``import``
(``perfeval._import``), ``report``, ``compare``, ``trends`` (``perfeval._report_cli``).

Exit codes: 0 success; 1 the data has errors (a dataset that does not load, a
report that failed, or — for ``check`` — findings of severity 错误 unless
``--exit-zero``); 2 bad usage (unknown option, missing path).
Messages are Chinese and one line; no tracebacks for the analyst.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage: printed as one Chinese line, exit code 2."""


#: argparse's own words in Chinese (looked up through ``argparse._`` while ``main`` runs)
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "options": "选项",
    "optional arguments": "选项",
    "positional arguments": "位置参数",
    "show this help message and exit": "显示帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
}


@contextlib.contextmanager
def _chinese_argparse():
    """Translate argparse's fixed words (headings, errors) for the duration of a call."""
    original = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda text: _ARGPARSE_ZH.get(text, original(text))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # noqa: D401 - argparse hook
        self.exit(EXIT_USAGE, f"perfeval：用法错误：{message}（用 perfeval -h 或 perfeval 命令 -h 查看用法）\n")


def _err(msg: str) -> None:
    print(f"perfeval：{msg}", file=sys.stderr)


# ---------------------------------------------------------------------------
# output


def _jsonable(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def frame_records(df: pd.DataFrame) -> list[dict[str, object]]:
    """Records with blanks as ``None`` and numpy scalars as Python values."""
    return [{k: _jsonable(v) for k, v in zip(df.columns, row)} for row in df.itertuples(index=False, name=None)]


def emit(df: pd.DataFrame, fmt: str, *, labels: dict[str, str] | None = None,
         percent: Sequence[str] = (), money: Sequence[str] = (), out=None) -> None:
    """Write a frame as an aligned table (Chinese headers), CSV or a JSON array of records."""
    out = out or sys.stdout
    if fmt == "json":
        json.dump(frame_records(df), out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt == "csv":
        df.to_csv(out, index=False, lineterminator="\n")
    else:
        shown = df.copy()
        for c in shown.columns:
            if c in percent:
                shown[c] = [("" if pd.isna(v) else f"{float(v) * 100:.2f}%") for v in shown[c]]
            elif c in money:
                shown[c] = [("" if pd.isna(v) else f"{float(v):.4f}") for v in shown[c]]
            else:
                shown[c] = ["" if (v is None or (not isinstance(v, str) and pd.isna(v))) else str(v) for v in shown[c]]
        if labels:
            shown = shown.rename(columns=labels)
        if shown.empty:
            out.write("（无）\n")
        else:
            with pd.option_context("display.unicode.east_asian_width", True, "display.width", 10_000,
                                   "display.max_columns", None, "display.max_rows", None, "display.max_colwidth", 80):
                out.write(shown.to_string(index=False) + "\n")


# ---------------------------------------------------------------------------
# commands


def _load(args: argparse.Namespace):
    from ._errors import DatasetError
    from ._dataset import load

    path = getattr(args, "dataset", None)
    if path and not Path(path).exists():
        raise UsageError(f"找不到数据集：{path}（应为 CSV 文件夹或 .xlsx 工作簿）")
    try:
        return load(path or None)
    except DatasetError as exc:
        raise _DataFailure(str(exc)) from exc


class _DataFailure(Exception):
    """The data has errors: message printed, exit code 1."""


METRIC_LABELS = {
    "dept_id": "部门编码", "year": "年度", "name": "部门", "is_example": "示例",
    "budget_initial": "年初预算数", "budget_adjusted": "全年预算数", "actual": "全年执行数",
    "execution_rate": "执行率", "execution_rate_initial": "执行率(年初)", "adjustment_rate": "预算调整率",
    "carryover": "结转结余", "yoy_item": "同比科目", "prior_actual": "上年决算数", "yoy_change": "同比增减",
    "yoy_rate": "同比增幅", "personnel": "人员经费", "public": "公用经费", "basic": "基本支出", "project": "项目支出",
    "personnel_share": "人员经费占比", "personnel_share_basis": "占比口径", "staff_quota": "编制数",
    "staff_actual": "实际在职", "staff_retired": "退休", "staff_control_rate": "控制率", "per_capita_actual": "人均支出",
}
METRIC_PERCENT = ("execution_rate", "execution_rate_initial", "adjustment_rate", "yoy_rate", "personnel_share", "staff_control_rate")
METRIC_MONEY = ("budget_initial", "budget_adjusted", "actual", "carryover", "prior_actual", "yoy_change", "personnel",
                "public", "basic", "project", "per_capita_actual")


def cmd_metrics(args: argparse.Namespace) -> int:
    from ._metrics import metrics

    df = metrics(_load(args))
    if args.dept:
        df = df[df["dept_id"].isin(args.dept)]
    if args.year:
        df = df[df["year"] == args.year]
    if args.format == "table":
        df = df.drop(columns=["personnel_share_basis", "is_example"])
    emit(df, args.format, labels=METRIC_LABELS, percent=METRIC_PERCENT, money=METRIC_MONEY)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from ._checks import check

    ds = _load(args)
    df = check(ds, framework=_framework(args))
    if args.dept:
        df = df[df["dept_id"].isin(args.dept)]
    if args.year:
        df = df[df["year"] == args.year]
    labels = {"code": "代码", "severity": "级别", "dept_id": "部门编码", "year": "年度", "location": "位置",
              "expected": "应为", "found": "实为", "message": "说明"}
    emit(df, args.format, labels=labels)
    if args.format == "table":
        counts = df["severity"].value_counts()
        summary = "，".join(f"{k} {int(v)} 条" for k, v in counts.items()) or "未发现问题"
        print(f"共 {len(df)} 条审核发现：{summary}", file=sys.stderr)
    if not args.exit_zero and (df["severity"] == "错误").any():
        return EXIT_DATA
    return EXIT_OK


def _framework(args: argparse.Namespace):
    name = getattr(args, "framework", None)
    if not name:
        return None
    from ._errors import FrameworkError
    from ._scoring import load_framework

    try:
        return load_framework(name)
    except FrameworkError as exc:
        raise UsageError(str(exc)) from exc


def cmd_score(args: argparse.Namespace) -> int:
    from ._scoring import list_frameworks, rescore

    if args.list_frameworks:
        from ._scoring import DEFAULT_FRAMEWORK, load_framework

        rows = []
        for fid in list_frameworks():
            fw = load_framework(fid)
            rows.append({"id": fid, "name": fw.name, "total": fw.total, "default": fid == DEFAULT_FRAMEWORK,
                         "description": " ".join(str(fw.description).split())})
        emit(pd.DataFrame(rows), args.format,
             labels={"id": "框架", "name": "名称", "total": "总分", "default": "默认", "description": "说明"})
        return EXIT_OK
    ds = _load(args)
    card = rescore(ds, _framework(args))
    df = getattr(card, args.detail)
    if args.dept:
        df = df[df["dept_id"].isin(args.dept)]
    if args.year:
        df = df[df["year"] == args.year]
    labels = {"dept_id": "部门编码", "year": "年度", "framework": "框架", "execution_rate": "执行率",
              "execution_weight": "执行率分值", "execution_score_reported": "执行率得分(报)", "execution_score": "执行率得分(复)",
              "total_weight": "总分", "total_reported": "得分(报)", "total_items_reported": "分项合计(报)", "total": "得分(复)",
              "grade_reported": "等级(报)", "grade_reported_normalised": "等级(报,规范)", "grade": "等级(复)",
              "level1": "一级指标", "declared_weight": "规定分值", "weight_sum": "分值合计", "reported_score": "得分(报)",
              "score": "得分(复)", "level2": "二级指标", "name": "三级指标", "weight": "分值", "ratio": "完成比",
              "rule": "规则", "basis": "计分依据", "shortfall": "未达标", "over_achievement": "超额≥130%"}
    emit(df, args.format, labels=labels, percent=("execution_rate", "ratio"))
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from ._template import write_template

    ds = None
    if args.source:
        args.dataset = args.source
        ds = _load(args)
    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"输出文件应以 .xlsx 结尾：{out}")
    write_template(out, ds)
    what = f"数据集 {args.source} 的数据" if ds is not None else "空白模板"
    print(f"已写出 {out}（{what}；perfeval load / 各命令可直接读取）")
    return EXIT_OK


# ---------------------------------------------------------------------------
# parser


def _common(p: argparse.ArgumentParser, *, dataset: bool = True, framework: bool = False) -> None:
    if dataset:
        p.add_argument("dataset", nargs="?", default=None, help="数据集（CSV 文件夹或 .xlsx 工作簿）；省略时用内置默认数据")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="输出格式：table（默认）、csv、json")
    p.add_argument("--dept", action="append", metavar="ID", help="只看某部门（可重复）")
    p.add_argument("--year", type=int, help="只看某年度")
    if framework:
        p.add_argument("--framework", metavar="NAME|FILE", help="评分框架：内置名称或 TOML 文件路径（默认全国通用框架）")


def _optional_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    from ._import._cli import add_command as add_import
    from ._report_cli import add_commands as add_reports

    return [add_import, add_reports]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="perfeval", description="部门整体支出绩效评价：加载、复核、评分与报告")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"perfeval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    sub.required = True
    p = sub.add_parser("check", help="审核：列出报告自相矛盾或违反规则之处")
    _common(p, framework=True)
    p.add_argument("--exit-zero", action="store_true", help="有“错误”级发现时仍以 0 退出")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("metrics", help="指标：执行率、调整率、结转、同比、构成、人员控制率、人均支出")
    _common(p)
    p.set_defaults(func=cmd_metrics)
    p = sub.add_parser("score", help="复核评分：按评分框架重新计分，与报告所填并列")
    _common(p, framework=True)
    p.add_argument("--detail", choices=("totals", "categories", "indicators"), default="totals",
                   help="totals：总分与等级（默认）；categories：一级指标小计；indicators：逐项")
    p.add_argument("--list-frameworks", action="store_true", help="列出内置评分框架")
    p.set_defaults(func=cmd_score)
    p = sub.add_parser("template", help="输入工作簿：写出空白模板（中文表头、下拉选项、说明），或把数据集写成同样的工作簿")
    p.add_argument("-o", "--output", default="perfeval_模板.xlsx", metavar="文件.xlsx", help="输出文件（默认 perfeval_模板.xlsx）")
    p.add_argument("--from", dest="source", metavar="数据集", help="把这个数据集的数据写进工作簿（省略则为空白模板）")
    p.set_defaults(func=cmd_template)
    for add in _optional_commands():
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``perfeval`` command; returns the exit code."""
    with _chinese_argparse():
        parser = build_parser()
        args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except _DataFailure as exc:
        _err(str(exc))
        return EXIT_DATA
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        _err("已中断")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
