"""The ``perfeval`` command line.

Commands: ``check``, ``metrics``, ``score`` (this module), ``import``
(``perfeval._import``), ``report``, ``compare``, ``trends`` (``perfeval._report_cli``).

Exit codes: 0 success; 1 the data has errors (a dataset that does not load, a
report that failed, or — for ``check`` — findings of severity 错误 unless
``--exit-zero``); 2 bad usage (unknown option, missing path).

:func:`main` is the one entry point and the one error boundary of every
sub-command: a :class:`~perfeval._errors.PerfevalError` raised anywhere becomes
its Chinese message and its exit code (:func:`perfeval._errors.report_error`),
never a traceback.

Output: ``--format table`` (default) is for people (:mod:`perfeval._terminal`:
fits the terminal, wraps text, numbers at the precision of their kind);
``csv`` and ``json`` are for machines: every column under its stable English
name, numbers rounded at their kind's precision (rates as fractions), CSV text
cells safe to open in a spreadsheet.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pandas as pd

from ._errors import EXIT_DATA, EXIT_OK, EXIT_USAGE, PerfevalError, UsageError, report_error
from ._format import COLUMN_KINDS, csv_safe, round_frame


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


def _console(out: Any = None) -> Any:
    from ._terminal import console

    return console(out or sys.stdout)


def emit(df: pd.DataFrame, fmt: str, *, cols: Sequence[Any] = (), keys: Sequence[str] = (),
         out: Any = None, con: Any = None) -> None:
    """Write a frame for machines (``csv``, ``json``: every column, numbers at their kind's precision)
    or people (``table``: the columns ``cols``, a list of :class:`perfeval._terminal.Col`, fitted to the terminal)."""
    out = out or sys.stdout
    if fmt in ("json", "csv"):
        machine = round_frame(df, COLUMN_KINDS)
        if fmt == "json":
            json.dump(frame_records(machine), out, ensure_ascii=False, indent=1)
            out.write("\n")
        else:
            csv_safe(machine).to_csv(out, index=False, lineterminator="\n")
        return
    from ._terminal import Col, frame_table, text

    con = con or _console(out)
    if df.empty:
        con.print(text("（无）"))
        return
    cols = list(cols) or [Col(c, c, COLUMN_KINDS.get(c, "text")) for c in df.columns]
    frame_table(con, df, cols, keys=keys, drop_blank=bool(keys))


# ---------------------------------------------------------------------------
# commands


def _load(args: argparse.Namespace):
    from ._dataset import load

    path = getattr(args, "dataset", None)
    if path and not Path(path).exists():
        raise UsageError(f"找不到数据集：{path}（应为 CSV 文件夹或 .xlsx 工作簿）")
    return load(path or None)  # DatasetError: exit code 1, every problem listed


def _filter(df: pd.DataFrame, ds: Any, args: argparse.Namespace) -> pd.DataFrame:
    """Rows of the ``--dept`` and ``--year`` asked for; an id or year the dataset lacks is a usage error."""
    if getattr(args, "dept", None):
        known = [str(d) for d in ds.departments["dept_id"].tolist()]
        unknown = [d for d in dict.fromkeys(args.dept) if d not in known]
        if unknown:
            raise UsageError(f"数据集中没有这些部门编码：{'、'.join(unknown)}（可选：{'、'.join(known)}）")
        df = df[df["dept_id"].isin(args.dept)]
    if getattr(args, "year", None) is not None:
        years = ds.years()
        if args.year not in years:
            raise UsageError(f"数据集中没有 {args.year} 年度（已有年度：{'、'.join(map(str, years)) or '无'}）")
        df = df[df["year"] == args.year]
    return df.reset_index(drop=True)


def _with_dept_names(df: pd.DataFrame, ds: Any) -> pd.DataFrame:
    names = dict(zip(ds.departments["dept_id"].astype(str), ds.departments["name"].astype(str)))
    return df.assign(dept_name=[names.get(str(d), str(d)) for d in df["dept_id"]])


def _blank_rows(df: pd.DataFrame, shown: Sequence[str]) -> pd.Series:
    """Rows with nothing in any of the ``shown`` value columns."""
    cols = [c for c in shown if c in df.columns]
    return df[cols].isna().all(axis=1) if cols else pd.Series(False, index=df.index)


def _short_lines(con: Any, df: pd.DataFrame, shown: Sequence[str], labels: dict[str, str], what: str) -> None:
    """One short line per row with nothing in the shown columns (naming what else it has)."""
    from ._format import fmt_number
    from ._terminal import text

    for _, row in df.iterrows():
        others = [f"{labels.get(c, c)} {fmt_number(row[c], COLUMN_KINDS[c])}" for c in df.columns
                  if c in COLUMN_KINDS and c not in ("year",) and c not in shown and not _isblank(row[c])
                  and COLUMN_KINDS[c] != "year"]
        tail = f"（仅有：{'，'.join(others)}）" if others else ""
        con.print(text(f"{row['dept_name']}（{row['dept_id']}）{row['year']} 年度：{what}{tail}"))


def _isblank(v: Any) -> bool:
    from ._format import is_blank

    return is_blank(v)


METRIC_LABELS = {
    "dept_id": "部门编码", "year": "年度", "name": "部门", "is_example": "示例",
    "budget_initial": "年初预算数", "budget_adjusted": "全年预算数", "actual": "全年执行数",
    "execution_rate": "执行率", "execution_rate_initial": "执行率(年初)", "adjustment_rate": "预算调整率",
    "carryover": "结转结余", "yoy_item": "同比科目", "prior_actual": "上年决算数", "yoy_change": "同比增减",
    "yoy_rate": "同比增幅", "personnel": "人员经费", "public": "公用经费", "basic": "基本支出", "project": "项目支出",
    "personnel_share": "人员经费占比", "personnel_share_basis": "占比口径", "staff_quota": "编制数",
    "staff_actual": "实际在职", "staff_retired": "退休", "staff_control_rate": "人员控制率", "per_capita_actual": "人均支出",
}
#: What an analyst reads first (``--all-columns`` adds the rest).
METRIC_DEFAULT = ("budget_adjusted", "actual", "execution_rate", "adjustment_rate", "carryover", "yoy_rate",
                  "personnel_share", "staff_control_rate", "per_capita_actual")


def _cols(names: Sequence[str], labels: dict[str, str], *, wide: Sequence[str] = ()) -> list[Any]:
    from ._terminal import Col

    kinds = {**COLUMN_KINDS, "shortfall": "bool", "over_achievement": "bool", "is_example": "bool", "default": "bool"}
    return [Col(n, labels.get(n, n), kinds.get(n, "text"), min_width=16 if n in wide else 6)
            for n in names]


def cmd_metrics(args: argparse.Namespace) -> int:
    from ._metrics import metrics

    ds = _load(args)
    df = _filter(metrics(ds), ds, args)
    if args.format != "table":
        emit(df, args.format)
        return EXIT_OK
    df = df.assign(dept_name=df["name"])
    con = _console()
    if args.all_columns:
        shown = [c for c in df.columns if c not in ("dept_id", "year", "name", "dept_name")]
        names = ["dept_name", "dept_id", "year", *shown]
    else:
        shown = list(METRIC_DEFAULT)
        names = ["dept_name", "year", *shown]
    blank = _blank_rows(df, shown)
    con.print(_text("金额单位：万元；比率为百分比。"))
    emit(df[~blank], "table", cols=_cols(names, {**METRIC_LABELS, "dept_name": "部门"}, wide=("personnel_share_basis",)),
         keys=("dept_name", "year"), con=con)
    _short_lines(con, df[blank], shown, METRIC_LABELS, "未填报")
    return EXIT_OK


def _text(s: str, style: str = "") -> Any:
    from ._terminal import text

    return text(s, style)


SEVERITY_ALIASES = {"错误": "错误", "error": "错误", "警告": "警告", "warning": "警告", "提示": "提示", "info": "提示"}


def _split(values: Sequence[str] | None) -> list[str]:
    return [v.strip() for value in (values or []) for v in str(value).replace("，", ",").split(",") if v.strip()]


def _check_filters(df: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    from ._checks import CATALOGUE

    severities = _split(args.severity)
    if severities:
        bad = [s for s in severities if s.lower() not in SEVERITY_ALIASES]
        if bad:
            raise UsageError(f"--severity 不认识：{'、'.join(bad)}（可选：错误、警告、提示，可重复或用逗号分隔）")
        df = df[df["severity"].isin({SEVERITY_ALIASES[s.lower()] for s in severities})]
    codes = _split(args.code)
    if codes:
        bad = [c for c in codes if c not in CATALOGUE]
        if bad:
            raise UsageError(f"--code 不认识：{'、'.join(bad)}（审核发现代码见 docs/findings.md，如 {'、'.join(list(CATALOGUE)[:3])}）")
        df = df[df["code"].isin(codes)]
    return df.reset_index(drop=True)


FINDING_LABELS = {"code": "代码", "severity": "级别", "dept_id": "部门编码", "year": "年度", "location": "位置",
                  "expected": "应为", "found": "实为", "message": "说明"}
SEVERITIES = ("错误", "警告", "提示")


def severity_counts(df: pd.DataFrame) -> str:
    """``错误 a、警告 b、提示 c`` for a findings frame."""
    counts = df["severity"].value_counts()
    return "、".join(f"{s} {int(counts.get(s, 0))}" for s in SEVERITIES)


def _provenance_on_own_line(location: str) -> str:
    """``绩效指标 第7项…得分（indicators.csv 第8行）`` → the parenthesised file and row on a new line."""
    text = str(location)
    cut = text.rfind("（")
    return text[:cut].rstrip() + "\n" + text[cut:] if cut > 0 and text.endswith("）") else text


def render_findings(con: Any, df: pd.DataFrame, ds: Any) -> None:
    """Findings grouped by department and year: a heading line each, then a table fitted to the console."""
    from ._terminal import SEVERITY_STYLE, Col, frame_table
    from rich.text import Text

    cols = [Col("severity", "级别", min_width=4, max_width=4), Col("code", "代码", min_width=12, max_width=29, break_after="_", whole=True),
            Col("location", "位置", min_width=16, max_width=40, weight=2), Col("expected", "应为", min_width=8, max_width=30),
            Col("found", "实为", min_width=8, max_width=30), Col("message", "说明", min_width=22, max_width=90, weight=4)]
    order = {d: i for i, d in enumerate(dict.fromkeys(df["dept_id"]))}
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    df = df.assign(_d=df["dept_id"].map(order), _s=df["severity"].map(rank).fillna(len(rank)))
    df = df.sort_values(["_d", "year", "_s"], kind="stable")
    # the place in the dataset (and the original report) on a line of its own
    df["location"] = df["location"].map(_provenance_on_own_line, na_action="ignore")
    for (dept_id, year), group in df.groupby(["dept_id", "year"], sort=False):
        heading = Text()
        heading.append(_text(f"{ds.dept_name(dept_id)}（{dept_id}）{year} 年度", "bold"))
        heading.append(f"　{len(group)} 项：")
        counts = group["severity"].value_counts()
        for i, s in enumerate(SEVERITIES):
            heading.append(("、" if i else "") + f"{s} {int(counts.get(s, 0))}",
                           SEVERITY_STYLE[s] if counts.get(s, 0) else "dim")
        con.print()
        con.print(heading)
        group = group.reset_index(drop=True)
        styles = {i: {"severity": SEVERITY_STYLE.get(str(s), "")} for i, s in enumerate(group["severity"])}
        frame_table(con, group, cols, styles=styles, measure=df)


def cmd_check(args: argparse.Namespace) -> int:
    from ._checks import check

    ds = _load(args)
    df = _check_filters(_filter(check(ds, framework=_framework(args)), ds, args), args)
    if args.format == "table":
        con = _console()
        if df.empty:
            con.print(_text("未发现问题。"))
        else:
            render_findings(con, df, ds)
            con.print()
        con.print(_text(f"共 {len(df)} 项：{severity_counts(df)}", "bold"))
    else:
        emit(df, args.format)
    if not args.exit_zero and (df["severity"] == "错误").any():
        return EXIT_DATA
    return EXIT_OK


def _framework(args: argparse.Namespace):
    name = getattr(args, "framework", None)
    if not name:
        return None
    from ._scoring import load_framework

    return load_framework(name)  # FrameworkError: exit code 2


SCORE_LABELS = {
    "dept_name": "部门", "dept_id": "部门编码", "year": "年度", "framework": "框架", "execution_rate": "执行率",
    "execution_weight": "执行率分值", "execution_score_reported": "执行率得分(报)", "execution_score": "执行率得分(复)",
    "total_weight": "总分", "total_reported": "得分(报)", "total_items_reported": "分项合计(报)", "total": "得分(复)",
    "unscored": "无法复核项", "grade_reported": "等级(报)", "grade_reported_normalised": "等级(报,规范)", "grade": "等级(复)",
    "level1": "一级指标", "category": "归类", "declared_weight": "规定分值", "weight_sum": "分值合计",
    "weight_missing": "缺分值项", "reported_score": "得分(报)", "score": "得分(复)", "level2": "二级指标",
    "name": "三级指标", "seq": "序号", "weight": "分值", "ratio": "完成比", "rule": "规则", "basis": "计分依据",
    "shortfall": "未达标", "over_achievement": "超额≥130%", "band": "档次", "source": "来源文件",
    "source_row": "来源行", "origin": "原报告位置",
}
#: What an analyst reads first, per ``--detail`` (``--all-columns`` adds the rest).
SCORE_DEFAULT = {
    "totals": ("execution_rate", "execution_score_reported", "execution_score", "total_reported",
               "total_items_reported", "total", "unscored", "grade_reported", "grade"),
    "categories": ("level1", "declared_weight", "weight_sum", "reported_score", "score"),
    "indicators": ("name", "weight", "reported_score", "score", "ratio", "basis"),
}


def cmd_score(args: argparse.Namespace) -> int:
    from ._scoring import list_frameworks, rescore

    if args.list_frameworks:
        from ._scoring import DEFAULT_FRAMEWORK, load_framework

        rows = []
        for fid in list_frameworks():
            fw = load_framework(fid)
            rows.append({"id": fid, "name": fw.name, "total": fw.total, "default": fid == DEFAULT_FRAMEWORK,
                         "description": " ".join(str(fw.description).split())})
        frame = pd.DataFrame(rows)
        labels = {"id": "框架", "name": "名称", "total": "总分", "default": "默认", "description": "说明"}
        if args.format == "table":
            frame = frame.astype({"total": "Float64"})
            emit(frame, "table", cols=_cols(list(frame.columns), labels, wide=("description",)), keys=("id",))
        else:
            emit(frame, args.format)
        return EXIT_OK
    ds = _load(args)
    card = rescore(ds, _framework(args))
    df = _filter(getattr(card, args.detail), ds, args)
    partial = _filter(card.totals, ds, args)
    partial = partial[partial["unscored"].fillna(0) > 0]
    if len(partial):
        n = int(partial["unscored"].sum())
        where = "、".join(f"{ds.dept_name(d)} {y}年（{int(k)}项）"
                         for d, y, k in zip(partial["dept_id"], partial["year"], partial["unscored"]))
        print(f"注意：{n} 项有分值的指标无法复核，计 0 分（{where}）；这些复核总分不可比，未评等级。"
              f"原因见 --detail indicators 的“计分依据”。", file=sys.stderr)
    if args.format != "table":
        emit(df, args.format)
        return EXIT_OK
    df = _with_dept_names(df, ds)
    con = _console()
    keys = ["dept_name", "year"]
    if args.all_columns:
        shown = [c for c in df.columns if c not in ("dept_id", "year", "dept_name")]
        names = ["dept_name", "dept_id", "year", *shown]
    else:
        shown = list(SCORE_DEFAULT[args.detail])
        names = [*keys, *shown]
    values = [c for c in shown if COLUMN_KINDS.get(c) in ("score", "rate")]
    blank = _blank_rows(df, values) if args.detail == "totals" else pd.Series(False, index=df.index)
    emit(df[~blank], "table", cols=_cols(names, SCORE_LABELS, wide=("basis", "name")), keys=keys, con=con)
    if args.detail == "totals":
        _short_lines(con, df[blank], shown, SCORE_LABELS, "未填报得分")
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


def _common(p: argparse.ArgumentParser, *, dataset: bool = True, framework: bool = False,
            columns: bool = False) -> None:
    if dataset:
        p.add_argument("dataset", nargs="?", default=None, help="数据集（CSV 文件夹或 .xlsx 工作簿）；省略时用内置默认数据")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="输出格式：table（默认）、csv、json")
    p.add_argument("--dept", action="append", metavar="ID", help="只看某部门（可重复）")
    p.add_argument("--year", type=int, help="只看某年度")
    if columns:
        p.add_argument("--all-columns", action="store_true",
                       help="table 格式显示全部列（默认只显示最常看的列；csv、json 总是全部列）")
    if framework:
        p.add_argument("--framework", metavar="NAME|FILE", help="评分框架：内置名称或 TOML 文件路径（默认全国通用框架）")


def _optional_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    from ._import._cli import add_command as add_import
    from ._explore import add_command as add_explore
    from ._report_cli import add_commands as add_reports

    return [add_import, add_reports, add_explore]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="perfeval", description="部门整体支出绩效评价：加载、复核、评分与报告")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"perfeval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    sub.required = True
    p = sub.add_parser("check", help="审核：列出报告自相矛盾或违反规则之处")
    _common(p, framework=True)
    p.add_argument("--exit-zero", action="store_true", help="有“错误”级发现时仍以 0 退出")
    p.add_argument("--severity", action="append", metavar="级别", help="只看某级别：错误、警告、提示（可重复或用逗号分隔）")
    p.add_argument("--code", action="append", metavar="代码", help="只看某代码的发现（可重复或用逗号分隔；代码见 docs/findings.md）")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("metrics", help="指标：执行率、调整率、结转、同比、构成、人员控制率、人均支出")
    _common(p, columns=True)
    p.set_defaults(func=cmd_metrics)
    p = sub.add_parser("score", help="复核评分：按评分框架重新计分，与报告所填并列")
    _common(p, framework=True, columns=True)
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


def _skip_iri_grammars() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` in the ``perfeval`` process.

    nbformat imports jsonschema, whose format checkers import ``rfc3987_syntax`` when it
    is installed (Voilà's dependencies bring it); that module compiles about forty
    grammars at import, 2–4 s on a 2-core machine, for the ``iri`` formats that no
    notebook schema uses. A ``None`` entry in ``sys.modules`` makes that optional
    import fail, and jsonschema goes on without those two checkers (its documented
    behaviour when the package is absent). Only in perfeval's own command process:
    importing perfeval as a library changes nothing.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``perfeval`` command; returns the exit code.

    The one error boundary of every sub-command (this module's, ``import``'s and
    the report commands'): a :class:`~perfeval._errors.PerfevalError` becomes its
    Chinese message and exit code (usage 2, data 1); anything unexpected is one
    line too (``PERFEVAL_DEBUG=1`` shows the traceback).
    """
    _skip_iri_grammars()
    with _chinese_argparse():
        parser = build_parser()
        args = parser.parse_args(argv)
    with _termination_unwinds():
        return _run_command(args)


@contextlib.contextmanager
def _termination_unwinds() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP (a closed terminal or SSH session) unwind like Ctrl-C
    (:class:`~perfeval._errors.Terminated`): the atomic writer removes its temporary file, the previous output
    stays, the exit code is 128 + the signal (143, 129). Main thread only."""
    import signal
    import threading

    from perfeval._errors import TERMINATION_SIGNALS, terminate_on_signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, terminate_on_signal) for sig in TERMINATION_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _run_command(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `perfeval check | head`: the reader went away
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (PerfevalError, KeyboardInterrupt) as exc:
        return report_error(exc)
    except Exception as exc:  # noqa: BLE001 - the analyst gets one line, not a traceback
        if os.environ.get("PERFEVAL_DEBUG") == "1":
            raise
        return report_error(exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
