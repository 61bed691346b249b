"""Workbook primitives shared by the forms, the analysis sheets and the comparison.

Options and number formats, safe sheet names, the atomic workbook, the cell
writers, the filterable table writer, and the context every writer reads
(computed once per workbook, or cut from a batch's analysis).
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

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from perfeval._format import DECIMALS, fmt_trim
from perfeval._errors import check_sheet_rows
from perfeval._values import as_float, differs, is_missing



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



def _context(ds: Any, framework: Any, analysis: Any, keys: Iterable[tuple[str, int]]) -> _Context:
    """The writers' context; from a batch's analysis, only the departments and years written
    (and the year before, for 上年决算数)."""
    if analysis is None:
        return _Context(ds, framework)
    keys = list(keys)
    years = {y for _, y in keys} | {y - 1 for _, y in keys}
    part = analysis.slice(sorted({d for d, _ in keys}), sorted(years))
    return _Context(part.dataset, framework, part)


