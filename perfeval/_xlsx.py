"""Excel workbooks (xlsxwriter): the standard attachment tables and analysis sheets.

Three entry points:

- :func:`export_department_xlsx` — one department and year: sheets ``附件1-1`` and
  ``附件1-2`` laid out as the standard forms, plus the analysis sheets for it.
- :func:`export_xlsx` — any selection of departments and years: a pair of 附件
  sheets per department-year plus the analysis sheets.
- :func:`export_compare_xlsx` — departments side by side for one year (sheet
  ``对比``), ranked, with conditional formatting and native Excel charts.

Safety rules every writer here follows:

- every text that comes from data is written with ``write_string`` (never
  ``write``), and the workbook is opened with ``strings_to_formulas=False`` and
  ``strings_to_urls=False``: a report text such as ``=HYPERLINK(...)`` stays text;
- sheet names go through :func:`safe_sheet_name` (valid and unique whatever the
  department is called);
- files are written atomically: to a temporary file in the target folder, then
  ``os.replace``; on error the previous file is untouched and the temporary
  file removed;
- personal data (填表人, 联系电话) is never written.
"""
from __future__ import annotations

import math
import os
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ._format import DECIMALS, exact_sum, fmt_trim
from perfeval._errors import check_sheet_rows
from perfeval._values import as_float, differs, is_missing

__all__ = [
    "export_xlsx",
    "export_department_xlsx",
    "export_compare_xlsx",
    "safe_sheet_name",
    "WORKBOOK_OPTIONS",
    "FMT_MONEY",
    "FMT_RATE",
    "FMT_SCORE",
]

#: Options every workbook is opened with (formula and URL conversion off).
WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": False,
}

FMT_MONEY = "0.0000"  # 万元, four decimals
FMT_RATE = "0.00%"  # rates stored as fractions
FMT_SCORE = "General"  # weights and scores as reported (9, 9.5, 10)
FMT_RESCORE = "0.00"  # re-scored values (computed, possibly long)
FMT_COUNT = "0"
FMT_NUMBER = "0.####"

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
_SHEET_MAX = 31
_TOL = 1e-6

_HIGHLIGHT = {"bg_color": "#FFEB9C", "font_color": "#9C5700", "bold": True}
_COMPUTED = {"italic": True, "font_color": "#595959"}
_FONT = "等线"


# --------------------------------------------------------------------------- names


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _truncate_utf16(text: str, limit: int) -> str:
    out = []
    used = 0
    for ch in text:
        n = _utf16_len(ch)
        if used + n > limit:
            break
        out.append(ch)
        used += n
    return "".join(out)


def safe_sheet_name(name: object, taken: Iterable[str] = ()) -> str:
    """Return a valid Excel sheet name for ``name``, unique among ``taken``.

    The result has at most 31 characters (UTF-16 units, as Excel counts), none of
    ``[]:*?/\\`` or control characters, does not start or end with ``'``, is not
    the reserved ``History``, and differs case-insensitively from every name in
    ``taken`` (a suffix ``~2``, ``~3`` … is added). ``taken`` is not modified.

    Parameters
    ----------
    name : object
        The wanted name (a department name, a dept_id …); ``None``/blank gives ``Sheet``.
    taken : iterable of str
        Names already used in the workbook.

    Returns
    -------
    str
        The sheet name to use.

    Examples
    --------
    >>> safe_sheet_name("a/b:c")
    'a_b_c'
    >>> safe_sheet_name("附件1-2", ["附件1-2"])
    '附件1-2~2'
    >>> safe_sheet_name("'quoted'")
    'quoted'
    """
    text = "" if name is None or (not isinstance(name, str) and pd.isna(name)) else str(name)
    text = unicodedata.normalize("NFC", text)
    text = _SHEET_FORBIDDEN.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = text.strip("'").strip()
    if text.casefold() == "history":
        text = text + "_"
    if not text:
        text = "Sheet"
    used = {t.casefold() for t in taken}

    def fit(base: str, suffix: str) -> str:
        base = _truncate_utf16(base, _SHEET_MAX - _utf16_len(suffix)).rstrip().rstrip("'").rstrip()
        return (base or "Sheet") + suffix

    candidate = fit(text, "")
    n = 1
    while candidate.casefold() in used:
        n += 1
        candidate = fit(text, f"~{n}")
    return candidate


# --------------------------------------------------------------------------- atomic write


@contextmanager
def _atomic_workbook(path: str | os.PathLike[str]) -> Iterator[Workbook]:
    """Open an xlsxwriter workbook that replaces ``path`` only when complete.

    The workbook is built in memory and written with the one atomic writer
    (:func:`perfeval._export.write_bytes_atomic`): a kill while it is built
    leaves nothing in the output folder, the file gets the umask's mode, and a
    temporary file left by a killed write is removed by the next one.
    """
    from perfeval._export import write_bytes_atomic

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {**WORKBOOK_OPTIONS, "in_memory": True})
    wb.set_properties({"title": Path(path).stem, "author": "", "comments": "perfeval"})
    wb.set_size(1600, 1000)
    try:
        yield wb
    except BaseException:
        # xlsxwriter writes everything at close(); close on error too so nothing stays open
        if not getattr(wb, "fileclosed", False):
            try:
                wb.close()
            except Exception:  # pragma: no cover - the original error matters
                pass
        raise
    if not getattr(wb, "fileclosed", False):
        wb.close()
    write_bytes_atomic(path, buf.getvalue())


# --------------------------------------------------------------------------- cell helpers


_isna = is_missing  # the one NA helper set (perfeval._values)


class _Formats:
    """Cache of xlsxwriter formats keyed by their properties."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._cache: dict[tuple, Any] = {}

    def __call__(self, **props: Any) -> Any:
        props = {"font_name": _FONT, "font_size": 10, "valign": "vcenter", **props}
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self.wb.add_format(props)
            self._cache[key] = fmt
        return fmt


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Write one data value safely: text as text, numbers as numbers, NA blank."""
    if _isna(value):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        if value.strip() == "":
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_string(row, col, value, fmt)
    elif isinstance(value, bool) or type(value).__name__ == "bool_":
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, (int, float)) or hasattr(value, "__float__"):
        number = float(value)
        if math.isfinite(number):
            ws.write_number(row, col, number, fmt)
        else:
            ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int, value: Any, fmt: Any) -> None:
    """Merge a range (or write one cell) and put ``value`` in it safely."""
    if (r1, c1) != (r2, c2):
        ws.merge_range(r1, c1, r2, c2, "", fmt)
    _put(ws, r1, c1, value, fmt)


def _text_width(text: Any) -> float:
    """Display width of a text in Excel column units (CJK counts double)."""
    if _isna(text):
        return 0.0
    lines = str(text).splitlines() or [""]
    best = 0.0
    for line in lines:
        w = 0.0
        for ch in line:
            w += 2.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 1.0
        best = max(best, w)
    return best


def _fmt_number_label(value: Any) -> str:
    return fmt_trim(value, DECIMALS["score"], blank="")


_num = as_float


def _differs(a: Any, b: Any) -> bool:
    x, y = _num(a), _num(b)
    if x is None and y is None:
        return False
    if x is None or y is None:
        return True
    return differs(x, y, _TOL)


# --------------------------------------------------------------------------- context


@dataclass
class _Context:
    """What the writers need, computed once per workbook (or handed over by a batch's analysis).

    Rows of one department-year are found through a (dept_id, year) -> positions
    index built once per frame, not by scanning the frame for every cell.
    """

    ds: Any
    framework: Any = None
    analysis: Any = None
    _cache: dict[str, Any] = field(default_factory=dict)

    def _get(self, key: str, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def scorecard(self) -> Any:
        from perfeval._scoring import rescore

        if self.analysis is not None:
            return self.analysis.scorecard
        return self._get("scorecard", lambda: rescore(self.ds, framework=self.framework))

    @property
    def findings(self) -> pd.DataFrame:
        from perfeval._checks import check

        if self.analysis is not None:
            return self.analysis.findings
        return self._get("findings", lambda: check(self.ds, framework=self.framework, scorecard=self.scorecard))

    @property
    def metrics(self) -> pd.DataFrame:
        from perfeval._metrics import metrics

        if self.analysis is not None:
            return self.analysis.metrics
        return self._get("metrics", lambda: metrics(self.ds))

    @property
    def yoy(self) -> pd.DataFrame:
        from perfeval._metrics import yoy, yoy_from_items

        if self.analysis is not None:
            return self._get("yoy", lambda: yoy_from_items(self.analysis.item_metrics))
        return self._get("yoy", lambda: yoy(self.ds))

    # -- lookups --------------------------------------------------------
    def dept_name(self, dept_id: str) -> str:
        names = self._get("names", lambda: {
            str(d): str(n) for d, n in zip(self.ds.departments["dept_id"], self.ds.departments["name"])
            if not _isna(d) and not _isna(n) and str(n).strip()})
        return names.get(str(dept_id), str(dept_id))

    def part(self, frame: pd.DataFrame, dept_id: str, year: int) -> pd.DataFrame:
        """The rows of ``frame`` for one department-year, in frame order.

        The frame is put in (dept_id, year) order once (one stable take); each
        department-year is then a slice of it, which costs the same whatever the
        frame's length (picking rows by position out of the whole frame would
        copy Arrow-backed columns in full on every call).
        """
        key = f"index:{id(frame)}"
        cached = self._cache.get(key)
        if cached is None:
            groups = frame.groupby(["dept_id", "year"], sort=False).indices if len(frame) else {}
            spans: dict[tuple[str, int], tuple[int, int]] = {}
            order: list[Any] = []
            for (d, y), pos in groups.items():
                if not _isna(y):
                    spans[(str(d), int(y))] = (len(order), len(order) + len(pos))
                    order.extend(pos)
            cached = (frame.take(order) if order else frame.iloc[:0], spans)
            self._cache[key] = cached
            self._cache[f"frame:{id(frame)}"] = frame  # keep the frame alive while its id is a key
        ordered, spans = cached
        span = spans.get((str(dept_id), int(year)))
        return ordered.iloc[span[0]:span[1]] if span is not None else frame.iloc[:0]

    def finance_rows(self, dept_id: str, year: int) -> pd.DataFrame:
        return self.part(self.ds.finance, dept_id, year)

    def fin(self, dept_id: str, year: int, items: Sequence[str], column: str) -> Any:
        key = f"fin:{dept_id}:{year}"
        lookup = self._cache.get(key)
        if lookup is None:
            rows = self.finance_rows(dept_id, year)
            lookup = {}
            for rec in rows.to_dict("records"):
                lookup.setdefault(rec["item"], rec)  # the first row of an item, as before
            self._cache[key] = lookup
        for item in items:
            if item in lookup:
                return lookup[item][column]
        return pd.NA

    def row(self, frame: pd.DataFrame, dept_id: str, year: int) -> pd.Series | None:
        hit = self.part(frame, dept_id, year)
        return None if hit.empty else hit.iloc[0]


def _dept_years(ds: Any) -> list[tuple[str, int]]:
    """Every (dept_id, year) that has something to put in 附件1-2."""
    keys: set[tuple[str, int]] = set()
    for name in ("evaluations", "indicators", "goals", "staffing", "finance"):
        frame = getattr(ds, name)
        if name == "finance":  # a prior-year line alone (附件1-1 上年决算数) is not a report
            frame = frame.loc[frame["item"] == "年度资金总额"]
        for d, y in zip(frame["dept_id"], frame["year"]):
            if not _isna(d) and not _isna(y):
                keys.add((str(d), int(y)))
    return sorted(keys)


def _any_dept_years(ds: Any) -> list[tuple[str, int]]:
    """Every (dept_id, year) with any fact at all (a prior-year line alone included).

    This is what the reports offer (:meth:`Dataset.years`): a workbook asked for by
    name is written for any of these, its blanks left blank.
    """
    dy = ds.dept_years()
    return sorted({(str(d), int(y)) for d, y in zip(dy["dept_id"], dy["year"]) if not _isna(d) and not _isna(y)})


def _known_depts(ds: Any, dept_ids: Iterable[Any] = ()) -> set[str]:
    """The dataset's department ids; raises ``ValueError`` naming any of ``dept_ids`` it lacks."""
    known = set(ds.departments["dept_id"].dropna().astype(str))
    unknown = [str(d) for d in dept_ids if str(d) not in known]
    if unknown:
        listed = "、".join(sorted(known)) or "（无）"
        raise ValueError(f"部门编码「{'、'.join(unknown)}」不在数据集中；数据集中的部门编码：{listed}")
    return known


def _check_dept_year(ds: Any, dept_id: str, year: int) -> None:
    _known_depts(ds, [dept_id])
    years = sorted({y for d, y in _any_dept_years(ds) if d == dept_id})
    if int(year) not in years:
        listed = "、".join(str(y) for y in years) or "（无）"
        raise ValueError(f"部门「{dept_id}」没有 {year} 年度的数据；已有年度：{listed}")


# --------------------------------------------------------------------------- 附件1-1


_NOTE_1_1 = (
    "说明：“公用经费”填报基本支出中的一般商品和服务支出；“项目支出”需要填报基本支出以外的所有项目支出情况，"
    "包括业务工作项目、运行维护项目和县级专项资金等。"
)

# (label, finance items, indent level)
_ROWS_1_1_HEAD: list[tuple[str, tuple[str, ...], int]] = [
    ("一、部门基本支出", ("基本支出",), 0),
    ("其中：1、压缩一般性支出", ("压缩一般性支出",), 2),
    ("2、三公经费", ("三公经费",), 2),
    ("公务用车购置和维护经费", ("公务用车购置和维护经费", "公务用车购置和运行维护"), 3),
    ("其中：公车购置", ("公务用车购置",), 5),
    ("公车运行维护", ("公务用车运行维护",), 7),
    ("公务接待", ("公务接待",), 3),
    ("出国经费", ("因公出国(境)",), 3),
    ("二、部门项目支出", ("项目支出",), 0),
]
_PROJECT_GROUPS: list[tuple[str, str]] = [
    ("1、业务工作专项(一个项目一行)", "业务工作专项"),
    ("2、运行维护专项(一个项目一行)", "运行维护专项"),
    ("3、县级专项资金（一个专项一行）", "县级专项资金"),
]


def _write_form_1_1(ws: Worksheet, F: _Formats, ctx: _Context, dept_id: str, year: int) -> None:
    cell = F(border=1)
    label = F(border=1, text_wrap=True)
    head = F(border=1, bold=True, align="center", text_wrap=True)
    money = F(border=1, num_format=FMT_MONEY)
    count = F(border=1, num_format=FMT_COUNT, align="center")
    computed_rate = F(border=1, num_format=FMT_RATE, align="center", **_COMPUTED)
    computed_money = F(border=1, num_format=FMT_MONEY, **_COMPUTED)

    ws.set_column(0, 0, 40)
    ws.set_column(1, 3, 16)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.hide_gridlines(2)

    _put(ws, 0, 0, "附件1-1", F(bold=True))
    _merge(ws, 1, 0, 1, 3, "部门整体支出绩效评价基础数据表", F(bold=True, font_size=16, align="center"))
    ws.set_row(1, 28)
    _put(ws, 2, 0, "填报单位：" + ctx.dept_name(dept_id), F())
    _merge(ws, 2, 1, 2, 2, f"年度：{year}年", F(align="center"))
    _put(ws, 2, 3, "单位：万元", F(align="right"))

    # 财政供养人员情况
    r = 3
    for c, text in enumerate(["财政供养人员情况", "编制数", f"{year}年实际在职人数", "控制率"]):
        _put(ws, r, c, text, head)
    staff = ctx.row(ctx.ds.staffing, dept_id, year)
    quota = staff["quota"] if staff is not None else pd.NA
    actual = staff["actual"] if staff is not None else pd.NA
    r += 1
    _put(ws, r, 0, None, cell)
    _put(ws, r, 1, quota, count)
    _put(ws, r, 2, actual, count)
    q, a = _num(quota), _num(actual)
    if q and a is not None:
        _put(ws, r, 3, a / q, computed_rate)
        ws.write_comment(r, 3, "perfeval 计算：实际在职人数 ÷ 编制数（报告表中此格通常留空）。", {"x_scale": 2})
    else:
        _put(ws, r, 3, None, cell)

    # 经费控制情况
    r += 1
    for c, text in enumerate(["经费控制情况", "当年决算数", "当年预算数", "上年决算数"]):
        _put(ws, r, c, text, head)

    def money_row(row: int, text: str, items: Sequence[str], indent: int, comment: str | None = None) -> None:
        _put(ws, row, 0, text, F(border=1, text_wrap=True, indent=indent) if indent else label)
        _put(ws, row, 1, ctx.fin(dept_id, year, items, "actual"), money)
        _put(ws, row, 2, ctx.fin(dept_id, year, items, "adjusted_budget"), money)
        _put(ws, row, 3, ctx.fin(dept_id, year - 1, items, "actual"), money)
        if comment:
            ws.write_comment(row, 0, comment, {"x_scale": 2})

    for text, items, indent in _ROWS_1_1_HEAD:
        r += 1
        money_row(r, text, items, indent)
        if items[0] == "公务用车购置和维护经费":
            # blank when not reported; the sum of its two parts when both are known
            if _isna(ctx.fin(dept_id, year, items, "actual")):
                for col, (yr, column) in zip((1, 2, 3), ((year, "actual"), (year, "adjusted_budget"), (year - 1, "actual"))):
                    parts = [ctx.fin(dept_id, yr, (p,), column) for p in ("公务用车购置", "公务用车运行维护")]
                    if all(not _isna(p) for p in parts):
                        _put(ws, r, col, exact_sum(parts), computed_money)
                        ws.write_comment(r, col, "perfeval 计算：公车购置 + 公车运行维护（报告未单列）。")

    rows_now = ctx.finance_rows(dept_id, year)
    group_items = {item for _, item in _PROJECT_GROUPS}
    loose = rows_now.loc[
        (rows_now["parent"] == "项目支出") & ~rows_now["item"].isin(list(group_items))
    ]["item"].tolist()
    for i, (text, item) in enumerate(_PROJECT_GROUPS):
        r += 1
        money_row(r, text, (item,), 0)
        projects = rows_now.loc[rows_now["parent"] == item]["item"].tolist()
        if i == 0:
            projects = projects + [p for p in loose if p not in projects]
        for p in projects:
            r += 1
            note = None
            if p in loose:
                note = "上级科目为“项目支出”，未标明专项类别，列在业务工作专项下。"
            money_row(r, str(p), (p,), 2, note)
        if not projects:
            r += 1
            money_row(r, "", ("\x00none",), 0)
            r += 1
            money_row(r, "……", ("\x00none",), 0)

    r += 1
    money_row(r, "政府采购金额", ("政府采购",), 0)
    r += 1
    _put(ws, r, 0, "厉行节约保障措施", label)
    _merge(ws, r, 1, r, 3, None, F(border=1, text_wrap=True))
    r += 1
    _merge(ws, r, 0, r, 3, _NOTE_1_1, F(text_wrap=True, font_size=9))
    ws.set_row(r, 30)


# --------------------------------------------------------------------------- 附件1-2


_SOURCE_ROWS: list[tuple[str, str]] = [
    ("其中：一般公共预算", "一般公共预算"),
    ("政府性基金拨款", "政府性基金"),
    ("纳入管理的非税收入拨款", "纳入管理的非税收入"),
    ("其他资金", "其他资金"),
]
_EXTRA_SOURCES: list[tuple[str, str]] = [
    ("国有资本经营预算拨款", "国有资本经营预算"),
    ("上年结转", "上年结转"),
]
_NATURE_ROWS: list[tuple[str, str]] = [
    ("基本支出", "基本支出"),
    ("其中：人员经费", "人员经费"),
    ("公用经费", "公用经费"),
    ("项目支出", "项目支出"),
]


def _numbered(texts: Iterable[Any]) -> str:
    items = [str(t).strip() for t in texts if not _isna(t) and str(t).strip()]
    return "\n".join(f"{i}、{t}" for i, t in enumerate(items, 1))


def _level1_label(level1: Any, weight: Any) -> str:
    name = "" if _isna(level1) else str(level1).strip()
    if name and not name.endswith("指标"):
        name += "指标"
    w = _fmt_number_label(weight)
    return f"{name}（{w}分）" if w else name


def _runs(values: Sequence[Any]) -> list[tuple[int, int]]:
    """(start, end) index pairs of consecutive equal values."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or str(values[i]) != str(values[start]):
            out.append((start, i - 1))
            start = i
    return out


def _lines(text: Any, width_units: float) -> int:
    """Lines a wrapped text needs in a column of ``width_units``."""
    if _isna(text):
        return 1
    total = 0
    for line in str(text).splitlines() or [""]:
        total += max(1, math.ceil(_text_width(line) / max(width_units - 1, 1.0)))
    return total


def _row_height(text: str, width_units: float) -> float | None:
    if not text:
        return None
    lines = 0
    for line in text.splitlines() or [""]:
        lines += max(1, math.ceil(_text_width(line) / max(width_units, 1.0)))
    return max(15.0, 14.0 * lines + 2)


def _execution_comment(tot: pd.Series | None, ev: pd.Series | None) -> str:
    if tot is None:
        return ""
    rate = _num(tot.get("execution_rate"))
    weight = _num(tot.get("execution_weight"))
    score = _num(tot.get("execution_score"))
    rate_txt = f"{rate:.2%}" if rate is not None else "未知"
    parts = [f"复核：执行率 {rate_txt}（全年执行数 ÷ 全年预算数）"]
    if weight is not None and score is not None:
        parts.append(f"× 分值 {_fmt_number_label(weight)} = {score:.2f}")
    if ev is not None:
        raw = ev.get("execution_rate")
        rep = ev.get("execution_score")
        parts.append(
            f"；报告执行率「{'' if _isna(raw) else raw}」，报告得分 {_fmt_number_label(rep) or '空'}"
        )
    return " ".join(parts[:2]) + (parts[2] if len(parts) > 2 else "")


def _write_form_1_2(ws: Worksheet, F: _Formats, ctx: _Context, dept_id: str, year: int) -> None:
    cell = F(border=1)
    wrap = F(border=1, text_wrap=True)
    wrap_top = F(border=1, text_wrap=True, valign="top")
    head = F(border=1, bold=True, align="center", text_wrap=True)
    center = F(border=1, align="center", text_wrap=True)
    money = F(border=1, num_format=FMT_MONEY)
    rate = F(border=1, num_format=FMT_RATE, align="center")
    score = F(border=1, num_format=FMT_SCORE, align="center")
    rescore = F(border=1, num_format=FMT_RESCORE, align="center", **_HIGHLIGHT)
    text_center = F(border=1, align="center", text_wrap=True)

    widths = [10, 22, 16, 36, 14, 14, 8, 8, 10]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.hide_gridlines(2)

    sc = ctx.scorecard
    ev = ctx.row(ctx.ds.evaluations, dept_id, year)
    tot = ctx.row(sc.totals, dept_id, year)

    _put(ws, 0, 0, "附件1-2", F(bold=True))
    _merge(ws, 1, 0, 1, 7, "部门整体支出绩效自评表", F(bold=True, font_size=16, align="center"))
    ws.set_row(1, 28)
    _merge(ws, 2, 0, 2, 7, f"（ {year}年度）", F(align="center"))
    _merge(ws, 3, 0, 3, 3, "填报单位：" + ctx.dept_name(dept_id), F())
    _merge(ws, 3, 4, 3, 5, f"年度：{year}年", F(align="center"))
    _merge(ws, 3, 6, 3, 7, "单位：万元", F(align="right"))

    # ---- 部门资金
    r0 = 4
    for c, text in enumerate(["", "年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "得分", "复核得分"], 1):
        _put(ws, r0, c, text, head)
    r = r0 + 1
    _put(ws, r, 1, "年度资金总额", wrap)
    _put(ws, r, 2, ctx.fin(dept_id, year, ("年度资金总额",), "initial_budget"), money)
    _put(ws, r, 3, ctx.fin(dept_id, year, ("年度资金总额",), "adjusted_budget"), money)
    _put(ws, r, 4, ctx.fin(dept_id, year, ("年度资金总额",), "actual"), money)
    if ev is not None and not _isna(ev.get("execution_rate_value")):
        _put(ws, r, 5, ev["execution_rate_value"], rate)
    else:
        _put(ws, r, 5, None if ev is None else ev.get("execution_rate"), text_center)
    _put(ws, r, 6, None if ev is None else ev.get("execution_weight"), score)
    _put(ws, r, 7, None if ev is None else ev.get("execution_score"), score)
    if tot is not None and _differs(tot.get("execution_score"), tot.get("execution_score_reported")):
        _put(ws, r, 8, tot.get("execution_score"), rescore)
        ws.write_comment(r, 8, _execution_comment(tot, ev), {"x_scale": 2.5, "y_scale": 1.5})
    else:
        _put(ws, r, 8, None, cell)

    r += 1
    _merge(ws, r, 1, r, 2, "按收入性质分", head)
    _merge(ws, r, 3, r, 4, "按支出性质分", head)
    _merge(ws, r, 5, r, 8, None, cell)
    present = set(ctx.finance_rows(dept_id, year)["item"].dropna().astype(str))
    sources = _SOURCE_ROWS + [s for s in _EXTRA_SOURCES if s[1] in present]
    n_pairs = max(len(sources), len(_NATURE_ROWS))
    first_pair = r + 1
    for i in range(n_pairs):
        r += 1
        if i < len(sources):
            text, item = sources[i]
            _put(ws, r, 1, text, wrap)
            _put(ws, r, 2, ctx.fin(dept_id, year, (item,), "adjusted_budget"), money)
        else:
            _put(ws, r, 1, None, cell)
            _put(ws, r, 2, None, cell)
        if i < len(_NATURE_ROWS):
            text, item = _NATURE_ROWS[i]
            _put(ws, r, 3, text, wrap)
            _put(ws, r, 4, ctx.fin(dept_id, year, (item,), "adjusted_budget"), money)
        else:
            _put(ws, r, 3, None, cell)
            _put(ws, r, 4, None, cell)
    if n_pairs:
        _merge(ws, first_pair, 5, r, 8, None, cell)
    _merge(ws, r0, 0, r, 0, "部门资金（万元）", center)

    # ---- 年度总体目标
    g = ctx.part(ctx.ds.goals, dept_id, year)
    if "seq" in g.columns:
        g = g.sort_values("seq", kind="stable")
    r += 1
    g0 = r
    _merge(ws, r, 1, r, 4, "年初预期（设定）目标", head)
    _merge(ws, r, 5, r, 8, "全年实际完成情况", head)
    r += 1
    goal_text = _numbered(g["goal"].tolist())
    result_text = _numbered(g["result"].tolist())
    _merge(ws, r, 1, r, 4, goal_text, wrap_top)
    _merge(ws, r, 5, r, 8, result_text, wrap_top)
    h = max(_row_height(goal_text, 80) or 0, _row_height(result_text, 44) or 0)
    if h:
        ws.set_row(r, min(h, 409))
    _merge(ws, g0, 0, r, 0, "年度总体目标", center)

    # ---- 绩效指标
    rows = ctx.part(ctx.ds.indicators, dept_id, year)
    if "seq" in rows.columns:
        rows = rows.sort_values("seq", kind="stable")
    card = ctx.part(sc.indicators, dept_id, year)
    by_seq = {int(s): row for s, row in zip(card["seq"], (card.iloc[i] for i in range(len(card))))} if "seq" in card.columns else {}
    cats = ctx.part(sc.categories, dept_id, year)
    declared = {str(l1): w for l1, w in zip(cats["level1"], cats["declared_weight"])}

    r += 1
    h0 = r
    for c, text in enumerate(["一级指标", "二级指标", "三级指标", "指标值", "完成值", "分值", "得分", "复核得分"], 1):
        _put(ws, r, c, text, head)
    first = r + 1
    records = [rows.iloc[i] for i in range(len(rows))]
    for i, rec in enumerate(records):
        r += 1
        _put(ws, r, 1, None, center)
        _put(ws, r, 2, None, center)
        _put(ws, r, 3, rec.get("name"), wrap)
        _put(ws, r, 4, rec.get("target"), text_center)
        _put(ws, r, 5, rec.get("actual"), text_center)
        _put(ws, r, 6, rec.get("weight"), score)
        _put(ws, r, 7, rec.get("score"), score)
        hit = by_seq.get(int(rec["seq"])) if "seq" in rec.index and not _isna(rec.get("seq")) else None
        if hit is not None and _differs(hit.get("score"), rec.get("score")):
            _put(ws, r, 8, hit.get("score"), rescore)
            basis = hit.get("basis")
            note = "" if _isna(basis) else str(basis)
            ws.write_comment(r, 8, note or "复核得分与报告得分不同。", {"x_scale": 2.5, "y_scale": 1.5})
        else:
            _put(ws, r, 8, None, cell)
    l2_lines: dict[int, int] = {}
    if not records:
        r += 1
        for c in range(1, 9):
            _put(ws, r, c, None, cell)
    else:
        l1 = [rec.get("level1") for rec in records]
        for s, e in _runs(l1):
            key = "" if _isna(l1[s]) else str(l1[s])
            weight = declared.get(key)
            if _isna(weight):
                weights = [_num(records[k].get("weight")) for k in range(s, e + 1)]
                weight = exact_sum(weights)
            _merge(ws, first + s, 1, first + e, 1, _level1_label(l1[s], weight), center)
            l2 = [records[k].get("level2") for k in range(s, e + 1)]
            for s2, e2 in _runs(l2):
                _merge(ws, first + s + s2, 2, first + s + e2, 2, l2[s2], center)
                if s2 == e2:
                    l2_lines[s + s2] = _lines(l2[s2], widths[2])
        for i, rec in enumerate(records):
            lines = max(
                l2_lines.get(i, 1), _lines(rec.get("name"), widths[3]),
                _lines(rec.get("target"), widths[4]), _lines(rec.get("actual"), widths[5]),
            )
            if lines > 1:
                ws.set_row(first + i, 14.0 * lines + 2)
    _merge(ws, h0, 0, r, 0, "绩效指标", center)

    # ---- 综合评定等级 / 总分
    r += 1
    _put(ws, r, 0, "综合评定等级", center)
    _merge(ws, r, 1, r, 3, None if ev is None else ev.get("grade"), center)
    _merge(ws, r, 4, r, 5, "总  分", center)
    _put(ws, r, 6, None if ev is None else ev.get("total_weight"), score)
    _put(ws, r, 7, None if ev is None else ev.get("total_score"), score)
    grade_differs = False
    if tot is not None:
        gn, gr = tot.get("grade_reported_normalised"), tot.get("grade")
        grade_differs = not _isna(gr) and (_isna(gn) or str(gn) != str(gr))
    if tot is not None and (_differs(tot.get("total"), tot.get("total_reported")) or grade_differs):
        _put(ws, r, 8, tot.get("total"), rescore)
        rep_total = _fmt_number_label(tot.get("total_reported")) or "空"
        rep_grade = "" if _isna(tot.get("grade_reported")) else str(tot.get("grade_reported"))
        total_txt = "未知" if _isna(tot.get("total")) else f"{float(tot.get('total')):.2f}"
        note = (
            f"复核总分 {total_txt}，复核等级 {'' if _isna(tot.get('grade')) else tot.get('grade')}"
            f"（报告总分 {rep_total}，报告等级 {rep_grade or '空'}）。"
            f"复核总分 = 执行率得分 + 各指标复核得分"
        )
        fw = tot.get("framework")
        if not _isna(fw) and str(fw):
            note += f"；评分框架 {fw}"
        ws.write_comment(r, 8, note + "。", {"x_scale": 2.5, "y_scale": 1.5})
    else:
        _put(ws, r, 8, None, cell)

    # ---- 说明
    r += 1
    _merge(ws, r, 1, r, 4, "偏差及原因分析", head)
    _merge(ws, r, 5, r, 8, "改进措施", head)
    reasons = [
        f"{rec.get('name')}：{rec.get('reason')}"
        for rec in records
        if "reason" in rec.index and not _isna(rec.get("reason")) and str(rec.get("reason")).strip()
    ]
    r += 1
    reason_text = _numbered(reasons)
    _merge(ws, r, 1, r, 4, reason_text, wrap_top)
    _merge(ws, r, 5, r, 8, None, wrap_top)
    ws.set_row(r, min(_row_height(reason_text, 80) or 30, 409))
    _merge(ws, r - 1, 0, r, 0, "说明", center)


# --------------------------------------------------------------------------- analysis sheets


_LABELS: dict[str, str] = {
    "dept_id": "部门编码", "dept_name": "部门", "name": "三级指标", "year": "年度", "seq": "序号",
    "level1": "一级指标", "level2": "二级指标", "target": "指标值", "actual": "完成值",
    "target_kind": "指标值类型", "target_op": "指标值符号", "target_value": "指标值（解析）",
    "target_unit": "指标值单位", "actual_kind": "完成值类型", "actual_op": "完成值符号",
    "actual_value": "完成值（解析）", "actual_unit": "完成值单位", "actual_vague": "完成值含糊",
    "rule": "计分规则", "ratio": "完成比例", "deviation": "偏差（完成值−指标值）", "weight": "分值",
    "reported_score": "报告得分", "score": "复核得分", "score_diff": "得分差（复核−报告）",
    "basis": "复核依据", "shortfall": "未完成", "over_achievement": "超额完成（≥130%）",
    "direction": "指标性质", "reason": "偏差原因",
    "code": "代码", "severity": "严重程度", "location": "位置", "expected": "应为", "found": "实为",
    "message": "说明", "framework": "评分框架", "execution_rate": "执行率",
    "execution_weight": "执行率分值", "execution_score_reported": "执行率得分（报告）",
    "execution_score": "执行率得分（复核）", "total_weight": "总分（满分）",
    "total_reported": "总得分（报告）", "total_items_reported": "指标得分合计（报告）+执行率得分",
    "total": "总得分（复核）", "grade_reported": "等级（报告）",
    "grade_reported_normalised": "等级（报告，规范化）", "grade": "等级（复核）",
    "source": "来源文件", "source_row": "来源行",
}

_METRIC_LABELS: dict[str, str] = {
    "name": "部门", "is_example": "示例", "budget_initial": "年初预算数", "budget_adjusted": "全年预算数",
    "actual": "全年执行数", "execution_rate": "执行率（执行数/全年预算）",
    "execution_rate_initial": "执行率（执行数/年初预算）", "adjustment_rate": "预算调整率",
    "carryover": "结转结余", "yoy_item": "同比科目", "prior_actual": "上年决算数", "yoy_change": "同比增减",
    "yoy_rate": "同比增长率", "personnel": "人员经费", "public": "公用经费", "basic": "基本支出",
    "project": "项目支出", "personnel_share": "人员经费占比", "personnel_share_basis": "占比口径",
    "staff_quota": "编制数", "staff_actual": "实际在职人数", "staff_retired": "退休人数",
    "staff_control_rate": "控制率", "per_capita_actual": "人均支出",
}
_YOY_LABELS: dict[str, str] = {
    "item": "科目", "actual": "当年决算数", "prior_actual": "上年决算数", "yoy_change": "同比增减",
    "yoy_rate": "同比增长率",
}

_RATE_HINTS = ("rate", "share", "ratio", "pct", "率", "占比", "比例")
_SCORE_HINTS = ("score", "weight", "total", "得分", "分值")
_COUNT_HINTS = ("year", "seq", "quota", "staff", "headcount", "retired", "source_row", "count", "人数", "编制")


def _column_format(name: str, series: pd.Series) -> str | None:
    low = name.lower()
    if pd.api.types.is_bool_dtype(series.dtype):
        return None
    if not pd.api.types.is_numeric_dtype(series.dtype):
        return None
    if low in ("target_value", "actual_value", "deviation"):
        return FMT_NUMBER
    if any(h in low for h in _RATE_HINTS):
        return FMT_RATE
    if any(h in low for h in _SCORE_HINTS):
        return FMT_RESCORE
    if pd.api.types.is_integer_dtype(series.dtype) or any(h in low for h in _COUNT_HINTS):
        return FMT_COUNT
    return FMT_MONEY


def _write_table(
    ws: Worksheet,
    F: _Formats,
    frame: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    formats: dict[str, str] | None = None,
    start_row: int = 0,
    max_width: float = 60,
) -> tuple[int, int]:
    """Write ``frame`` as a filterable table: bold frozen header, autofilter, fitted widths.

    Returns the (last row, last column) written (0-based).
    """
    check_sheet_rows(ws.get_name(), start_row + 1 + len(frame))
    labels = {**_LABELS, **(labels or {})}
    formats = formats or {}
    head = F(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, align="center")
    cols = list(frame.columns)
    widths: list[float] = []
    col_formats = []
    for c, name in enumerate(cols):
        title = labels.get(str(name), str(name))
        _put(ws, start_row, c, title, head)
        num_format = formats.get(str(name), _column_format(str(name), frame[name]))
        col_formats.append(F(num_format=num_format) if num_format else F())
        widths.append(_text_width(title))
    values = [frame[name].tolist() for name in cols]
    for i in range(len(frame)):
        for c in range(len(cols)):
            v = values[c][i]
            _put(ws, start_row + 1 + i, c, v, col_formats[c])
            if isinstance(v, str):
                widths[c] = max(widths[c], _text_width(v))
            elif not _isna(v):
                widths[c] = max(widths[c], 10 if not isinstance(v, bool) else 2)
    for c, w in enumerate(widths):
        ws.set_column(c, c, max(6.0, min(max_width, w + 2)))
    last_row = start_row + len(frame)
    last_col = max(len(cols) - 1, 0)
    ws.freeze_panes(start_row + 1, 0)
    # print: A4 landscape, one page wide, the header row repeated on every page
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(start_row)
    if cols:
        ws.autofilter(start_row, 0, last_row, last_col)
    return last_row, last_col


def _with_names(ctx: _Context, frame: pd.DataFrame) -> pd.DataFrame:
    if "dept_id" not in frame.columns or "dept_name" in frame.columns:
        return frame
    names = ctx.ds.departments[["dept_id", "name"]].rename(columns={"name": "dept_name"})
    out = frame.merge(names, on="dept_id", how="left")
    cols = list(frame.columns)
    pos = cols.index("dept_id") + 1
    return out[cols[:pos] + ["dept_name"] + cols[pos:]]


def _select(frame: pd.DataFrame, keys: set[tuple[str, int]] | None, depts: set[str] | None) -> pd.DataFrame:
    out = frame
    if depts is not None and "dept_id" in out.columns:
        out = out.loc[out["dept_id"].isin(sorted(depts))]
    if keys is not None and "dept_id" in out.columns and "year" in out.columns and len(out):
        depts_in = sorted({d for d, _ in keys})
        wanted = pd.MultiIndex.from_tuples(sorted(keys), names=["dept_id", "year"]) if keys else None
        have = pd.MultiIndex.from_arrays([out["dept_id"].astype(str), out["year"].astype("Int64")])
        mask = have.isin(wanted) if wanted is not None else np.zeros(len(out), dtype=bool)
        # a row without a year (e.g. a finding about the department as a whole) stays with its department
        mask = mask | (out["year"].isna() & out["dept_id"].isin(depts_in)).to_numpy(dtype=bool)
        out = out.loc[mask]
    return out.reset_index(drop=True)


def _indicator_table(ctx: _Context) -> pd.DataFrame:
    ind = ctx.ds.indicators
    keep = [
        c for c in (
            "dept_id", "year", "seq", "level1", "level2", "name", "target", "target_op", "target_value",
            "target_unit", "actual", "actual_op", "actual_value", "actual_unit", "actual_vague", "rule",
            "direction", "weight",
        ) if c in ind.columns
    ]
    base = ind[keep]
    card = ctx.scorecard.indicators
    extra = [c for c in ("reported_score", "score", "ratio", "basis", "shortfall", "over_achievement") if c in card.columns]
    out = base.merge(card[["dept_id", "year", "seq", *extra]], on=["dept_id", "year", "seq"], how="left")
    if "reported_score" not in out.columns and "score" in ind.columns:
        out = out.merge(
            ind[["dept_id", "year", "seq", "score"]].rename(columns={"score": "reported_score"}),
            on=["dept_id", "year", "seq"], how="left",
        )
    if {"target_value", "actual_value"} <= set(out.columns):
        tv = pd.to_numeric(out["target_value"], errors="coerce").astype("Float64")
        av = pd.to_numeric(out["actual_value"], errors="coerce").astype("Float64")
        out = out.assign(deviation=av - tv)
    if {"score", "reported_score"} <= set(out.columns):
        out = out.assign(
            score_diff=pd.to_numeric(out["score"], errors="coerce").astype("Float64")
            - pd.to_numeric(out["reported_score"], errors="coerce").astype("Float64")
        )
    if "reason" in ind.columns:
        out = out.merge(ind[["dept_id", "year", "seq", "reason"]], on=["dept_id", "year", "seq"], how="left")
    return _with_names(ctx, out)


def _write_analysis(
    wb: Workbook, F: _Formats, ctx: _Context, taken: list[str],
    keys: set[tuple[str, int]] | None, depts: set[str] | None,
) -> None:
    """Sheets 汇总指标, 绩效指标, 复核评分, 审核发现, 同比."""

    def sheet(name: str) -> Worksheet:
        nm = safe_sheet_name(name, taken)
        taken.append(nm)
        return wb.add_worksheet(nm)

    metrics = _select(ctx.metrics, keys, depts)
    if "name" not in metrics.columns:
        metrics = _with_names(ctx, metrics)
    _write_table(sheet("汇总指标"), F, metrics, labels=_METRIC_LABELS)

    ws = sheet("绩效指标")
    table = _select(_indicator_table(ctx), keys, depts)
    last_row, _ = _write_table(ws, F, table, formats={"ratio": FMT_RATE})
    if "score_diff" in table.columns and len(table):
        c = list(table.columns).index("score_diff")
        ws.conditional_format(1, c, last_row, c, {
            "type": "cell", "criteria": "!=", "value": 0, "format": F(**_HIGHLIGHT, num_format=FMT_RESCORE),
        })

    _write_table(sheet("复核评分"), F, _with_names(ctx, _select(ctx.scorecard.totals, keys, depts)))

    ws = sheet("审核发现")
    findings = _with_names(ctx, _select(ctx.findings, keys, depts))
    last_row, _ = _write_table(ws, F, findings)
    if "severity" in findings.columns and len(findings):
        c = list(findings.columns).index("severity")
        ws.conditional_format(1, c, last_row, c, {
            "type": "text", "criteria": "containing", "value": "错误",
            "format": F(bg_color="#FFC7CE", font_color="#9C0006"),
        })

    _write_table(sheet("同比"), F, _with_names(ctx, _select(ctx.yoy, keys, depts)), labels=_YOY_LABELS)


# --------------------------------------------------------------------------- public: workbooks


def export_department_xlsx(
    ds: Any, dept_id: str, year: int, path: str | os.PathLike[str], framework: Any = None,
    analysis: Any = None,
) -> Path:
    """Write one department-year workbook: 附件1-1, 附件1-2 and the analysis sheets.

    Parameters
    ----------
    ds : Dataset
        The loaded dataset (``perfeval.load``).
    dept_id : str
        The department.
    year : int
        The fiscal year.
    path : path-like
        The .xlsx file to write (replaced atomically; the folder is created).
    framework : str or Framework, optional
        Scoring framework for the re-scored column (default: the dataset's own).
    analysis : Analysis, optional
        :func:`perfeval.analyse` of ``ds`` with ``framework``, when the caller
        (a batch) already has it: the workbook then takes its department-year
        from it instead of re-scoring and auditing the dataset.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        If the department or the year is not in the dataset.
    """
    if analysis is None or not analysis.has(dept_id, year):
        _check_dept_year(ds, dept_id, int(year))  # the analysis knows every department-year with a fact
    return _export_keys(ds, path, [(str(dept_id), int(year))], framework, analysis)


def export_xlsx(
    ds: Any,
    path: str | os.PathLike[str],
    *,
    dept_ids: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    framework: Any = None,
    analysis: Any = None,
) -> Path:
    """Write a workbook with 附件1-1/附件1-2 per department-year plus analysis sheets.

    With one department-year selected the form sheets are called ``附件1-1`` and
    ``附件1-2``; with several, ``附件1-1 <部门> <年度>`` (made valid and unique by
    :func:`safe_sheet_name`). Analysis sheets: 汇总指标 (metrics, one row per
    department-year), 绩效指标 (indicators with parsed targets, achievements,
    deviations, reported and re-scored scores), 复核评分 (totals), 审核发现
    (findings), 同比 (year-over-year).

    Parameters
    ----------
    ds : Dataset
        The loaded dataset.
    path : path-like
        The .xlsx file to write (atomically).
    dept_ids : sequence of str, optional
        Departments to include (default: all).
    years : sequence of int, optional
        Years to include (default: all).
    framework : str or Framework, optional
        Scoring framework for re-scoring.
    analysis : Analysis, optional
        :func:`perfeval.analyse` of ``ds`` with ``framework`` (computed when omitted).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        If a requested department is unknown, or nothing is selected.
    """
    known = _known_depts(ds, dept_ids or ())
    want_d = None if dept_ids is None else {str(d) for d in dept_ids}
    want_y = None if years is None else {int(y) for y in years}
    keys = [
        (d, y) for d, y in _dept_years(ds)
        if (want_d is None or d in want_d) and (want_y is None or y in want_y) and d in known
    ]
    if not keys:
        raise ValueError(
            f"所选部门（{'全部' if want_d is None else '、'.join(sorted(want_d))}）与年度"
            f"（{'全部' if want_y is None else '、'.join(map(str, sorted(want_y)))}）没有数据，未生成工作簿"
        )
    return _export_keys(ds, path, keys, framework, analysis)


def _context(ds: Any, framework: Any, analysis: Any, keys: Iterable[tuple[str, int]]) -> _Context:
    """The writers' context; from a batch's analysis, only the departments and years written
    (and the year before, for 上年决算数)."""
    if analysis is None:
        return _Context(ds, framework)
    keys = list(keys)
    years = {y for _, y in keys} | {y - 1 for _, y in keys}
    part = analysis.slice(sorted({d for d, _ in keys}), sorted(years))
    return _Context(part.dataset, framework, part)


def _export_keys(ds: Any, path: str | os.PathLike[str], keys: list[tuple[str, int]], framework: Any,
                 analysis: Any = None) -> Path:
    """Write the forms of ``keys`` (dept_id, year) and the analysis sheets."""
    ctx = _context(ds, framework, analysis, keys)
    target = Path(path)
    with _atomic_workbook(target) as wb:
        F = _Formats(wb)
        taken: list[str] = []
        single = len(keys) == 1
        for d, y in keys:
            for form, writer in (("附件1-1", _write_form_1_1), ("附件1-2", _write_form_1_2)):
                wanted = form if single else f"{form} {ctx.dept_name(d)} {y}"
                name = safe_sheet_name(wanted, taken)
                taken.append(name)
                writer(wb.add_worksheet(name), F, ctx, d, y)
        _write_analysis(wb, F, ctx, taken, set(keys), {d for d, _ in keys})
        _write_projects(wb, F, ctx, taken, keys)
    return target


_PROJECT_LABELS: dict[str, str] = {
    "project": "项目名称", "initial_budget": "年初预算数", "adjusted_budget": "全年预算数", "actual": "全年执行数",
    "total_reported": "总得分（自评）", "indicators": "指标数", "shortfalls": "未达指标值的指标数",
    "findings": "复核发现（项）",
}


def _write_projects(wb: Workbook, F: _Formats, ctx: _Context, taken: list[str],
                    keys: Iterable[tuple[str, int]]) -> None:
    """Sheets 项目支出 (one row per project form) and 项目指标 (their indicators, re-scored), when
    the department-years written have project forms; nothing otherwise (``perfeval._projects``)."""
    from perfeval._projects import review_projects

    summaries, indicators = [], []
    for d, y in keys:
        review = review_projects(ctx.ds, d, y, ctx.framework)
        if review.empty:
            continue
        summaries.append(review.summary.assign(dept_id=d, year=y))
        indicators.append(review.indicators)
    if not summaries:
        return
    front = ["dept_id", "year", "project"]
    summary = pd.concat(summaries, ignore_index=True)
    summary = summary[front + [c for c in summary.columns if c not in front]]
    ind = pd.concat(indicators, ignore_index=True)
    keep = [c for c in ("dept_id", "year", "project", "seq", "level1", "level2", "name", "target", "actual", "weight",
                        "reported_score", "score", "ratio", "basis", "shortfall") if c in ind.columns]
    for name, frame, lab in (("项目支出", _with_names(ctx, summary), _PROJECT_LABELS),
                             ("项目指标", _with_names(ctx, ind[keep]), {"project": "项目名称"})):
        nm = safe_sheet_name(name, taken)
        taken.append(nm)
        _write_table(wb.add_worksheet(nm), F, frame, labels=lab, formats={"ratio": FMT_RATE})


# --------------------------------------------------------------------------- comparison


_COMPARE_LABELS: dict[str, str] = {
    "rank": "排名", "dept_id": "部门编码", "dept_name": "部门", "budget_adjusted": "全年预算数",
    "actual": "全年执行数", "execution_rate": "执行率", "staff_actual": "实际在职人数",
    "per_capita_actual": "人均支出（万元/人）", "personnel_share": "人员经费占比（占基本支出）",
    "personnel": "人员经费", "public": "公用经费", "project": "项目支出",
    "total_reported": "总得分（报告）", "total": "总得分（复核）", "grade": "等级（复核）",
}
_COMPARE_FORMATS: dict[str, str] = {
    "rank": FMT_COUNT, "budget_adjusted": FMT_MONEY, "actual": FMT_MONEY, "execution_rate": FMT_RATE,
    "staff_actual": FMT_COUNT, "per_capita_actual": FMT_MONEY, "personnel_share": FMT_RATE,
    "personnel": FMT_MONEY, "public": FMT_MONEY, "project": FMT_MONEY,
    "total_reported": FMT_SCORE, "total": FMT_RESCORE,
}


def _compare_frame(ctx: _Context, year: int, dept_ids: Sequence[str]) -> pd.DataFrame:
    """One row per department for ``year`` (from ``metrics`` and the scorecard), ranked."""
    m = ctx.metrics
    m = m.loc[(m["year"] == year) & m["dept_id"].isin(list(dept_ids))]
    by_dept = {str(r["dept_id"]): r for r in m.to_dict("records")[::-1]}  # the first row of each department
    totals = ctx.scorecard.totals
    rows = []
    for d in dept_ids:
        rec = by_dept.get(str(d), {})
        tot = ctx.row(totals, d, year)
        rows.append({
            "dept_id": d,
            "dept_name": ctx.dept_name(d),
            "budget_adjusted": _num(rec.get("budget_adjusted")),
            "actual": _num(rec.get("actual")),
            "execution_rate": _num(rec.get("execution_rate")),
            "staff_actual": _num(rec.get("staff_actual")),
            "per_capita_actual": _num(rec.get("per_capita_actual")),
            "personnel_share": _num(rec.get("personnel_share")),
            "personnel": _num(rec.get("personnel")),
            "public": _num(rec.get("public")),
            "project": _num(rec.get("project")),
            "total_reported": None if tot is None else _num(tot.get("total_reported")),
            "total": None if tot is None else _num(tot.get("total")),
            "grade": None if tot is None or _isna(tot.get("grade")) else str(tot.get("grade")),
        })
    frame = pd.DataFrame(rows)
    for c in frame.columns:
        if c in _COMPARE_FORMATS:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("Float64")
    frame = frame.sort_values(["total", "dept_id"], ascending=[False, True], na_position="last", kind="stable")
    rank = frame["total"].rank(method="min", ascending=False).astype("Int64")
    frame.insert(0, "rank", rank)
    return frame.reset_index(drop=True)


def export_compare_xlsx(
    ds: Any,
    year: int,
    path: str | os.PathLike[str],
    dept_ids: Sequence[str] | None = None,
    framework: Any = None,
    analysis: Any = None,
) -> Path:
    """Write the comparison workbook: departments side by side for one year.

    Sheet ``对比``: one row per department (rank, execution rate, per-capita
    spending, personnel share, composition, reported and re-scored totals,
    re-scored grade), ranked by the re-scored total, with 3-colour scales on the
    rates and totals and data bars on per-capita spending. Sheet ``图表``: native
    Excel charts whose series point at the ``对比`` ranges (execution rate column
    chart, re-scored total bar chart, stacked composition column chart), so they
    stay live when the numbers are edited in Excel.

    Parameters
    ----------
    ds : Dataset
        The loaded dataset.
    year : int
        The fiscal year compared.
    path : path-like
        The .xlsx file to write (atomically).
    dept_ids : sequence of str, optional
        Departments to compare (default: every department with data for ``year``).
    framework : str or Framework, optional
        Scoring framework for re-scoring.
    analysis : Analysis, optional
        :func:`perfeval.analyse` of ``ds`` with ``framework`` (computed when omitted).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        If a department is unknown or no department has data for ``year``.
    """
    year = int(year)
    known = _known_depts(ds, dept_ids or ())
    with_year = sorted({d for d, y in _dept_years(ds) if y == year and d in known})
    if not with_year:  # only lines such as a prior-year 基本支出: compare what there is
        with_year = sorted({d for d, y in _any_dept_years(ds) if y == year and d in known})
    if dept_ids is None:
        depts = with_year
    else:
        depts = list(dict.fromkeys(str(d) for d in dept_ids))
    if not depts:
        raise ValueError(f"没有部门有 {year} 年度的数据，未生成对比工作簿")
    ctx = _context(ds, framework, analysis, [(d, year) for d in depts])
    frame = _compare_frame(ctx, year, depts)
    target = Path(path)
    with _atomic_workbook(target) as wb:
        F = _Formats(wb)
        ws = wb.add_worksheet("对比")
        _write_compare(wb, ws, F, frame, year)
        taken = ["对比", "图表"]
        _write_analysis(wb, F, ctx, taken, {(d, year) for d in depts}, set(depts))
    return target


def _write_compare(wb: Workbook, ws: Worksheet, F: _Formats, frame: pd.DataFrame, year: int) -> None:
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    last_row, _ = _write_table(ws, F, frame, labels=_COMPARE_LABELS, formats=_COMPARE_FORMATS)
    cols = list(frame.columns)
    col = {name: cols.index(name) for name in cols}
    n = len(frame)
    first, last = 1, last_row
    if n:
        for name in ("execution_rate", "personnel_share", "total"):
            c = col[name]
            ws.conditional_format(first, c, last, c, {
                "type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFEB84", "max_color": "#63BE7B",
            })
        c = col["per_capita_actual"]
        ws.conditional_format(first, c, last, c, {"type": "data_bar", "bar_color": "#5B9BD5", "data_bar_2010": False})

    charts = wb.add_worksheet("图表")
    charts.set_landscape()
    charts.set_paper(9)
    charts.fit_to_pages(1, 0)
    sheet = "对比"
    cat = [sheet, first, col["dept_name"], last, col["dept_name"]]

    def series(name: str, **extra: Any) -> dict[str, Any]:
        c = col[name]
        return {
            "name": [sheet, 0, c],
            "categories": cat,
            "values": [sheet, first, c, last, c],
            **extra,
        }

    font = {"name": _FONT}
    exec_chart = wb.add_chart({"type": "column"})
    exec_chart.add_series(series("execution_rate", data_labels={"value": True, "num_format": "0.0%"}))
    exec_chart.set_title({"name": f"{year}年 预算执行率", "name_font": font})
    exec_chart.set_y_axis({"num_format": "0%", "min": 0, "num_font": font})
    exec_chart.set_x_axis({"num_font": font})
    exec_chart.set_legend({"none": True})

    total_chart = wb.add_chart({"type": "bar"})
    total_chart.add_series(series("total", data_labels={"value": True, "num_format": "0.00"}))
    total_chart.set_title({"name": f"{year}年 复核总得分", "name_font": font})
    total_chart.set_x_axis({"min": 0, "max": 100, "num_font": font})
    total_chart.set_y_axis({"reverse": True, "num_font": font})
    total_chart.set_legend({"none": True})

    comp_chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    for name in ("personnel", "public", "project"):
        comp_chart.add_series(series(name))
    comp_chart.set_title({"name": f"{year}年 支出构成（万元）", "name_font": font})
    comp_chart.set_y_axis({"num_format": "0.00", "num_font": font})
    comp_chart.set_x_axis({"num_font": font})
    comp_chart.set_legend({"position": "bottom", "font": font})

    height = max(288, 22 * n + 120)
    size = {"x_scale": 1.5, "y_scale": height / 288}
    charts.insert_chart(0, 0, exec_chart, size)
    rows_per_chart = int(height / 20) + 2
    charts.insert_chart(rows_per_chart, 0, total_chart, size)
    charts.insert_chart(2 * rows_per_chart, 0, comp_chart, size)
