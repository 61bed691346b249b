"""Excel workbooks (xlsxwriter): the standard attachment tables and analysis sheets.

The package follows the workbook's seams: :mod:`._base` (options, formats, safe
sheet names, the atomic workbook, cell and table writers, the context),
:mod:`._forms` (附件1-1, 附件1-2), :mod:`._sheets` (analysis and project sheets)
and :mod:`._compare` (the comparison workbook). This module holds the workbooks
that combine forms and analysis sheets.

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

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perfeval._xlsx._base import (
    FMT_MONEY, FMT_RATE, FMT_SCORE, WORKBOOK_OPTIONS, _Formats, _atomic_workbook, _check_dept_year, _context,
    _dept_years, _known_depts, safe_sheet_name,
)
from perfeval._xlsx._compare import export_compare_xlsx
from perfeval._xlsx._forms import _write_form_1_1, _write_form_1_2
from perfeval._xlsx._sheets import _write_analysis, _write_projects

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


