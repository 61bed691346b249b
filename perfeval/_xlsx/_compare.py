"""The comparison workbook: departments side by side for one year, ranked, with live Excel charts."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from perfeval._xlsx._base import (
    FMT_COUNT, FMT_MONEY, FMT_RATE, FMT_RESCORE, FMT_SCORE, _Context, _FONT, _Formats, _any_dept_years,
    _atomic_workbook, _context, _dept_years, _isna, _known_depts, _num, _write_table,
)
from perfeval._xlsx._sheets import _write_analysis


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
