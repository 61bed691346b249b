"""The report object the interpreter returns, and the places and values it records."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from perfeval._import._model import Cell, Grid

from perfeval._import._labels import ERROR, WARNING

# --------------------------------------------------------------------------- #
# the report object
# --------------------------------------------------------------------------- #


@dataclass
class ImportedReport:
    """One report read into the dataset contract.

    Attributes
    ----------
    tables : dict of str to DataFrame
        ``departments, finance, staffing, indicators, goals, evaluations`` with the
        contract's English headers; values are the text as written (blank = NA).
    provenance : DataFrame
        One row per placed value: ``table, dept_id, year, key, column, raw, file,
        doc_table, row, col, line, report_year, file_sha1``.
    log : DataFrame
        Unplaced cells and warnings: ``level, file, location, raw, message``.
    """

    file: str
    dept_id: str
    year: int
    name: str
    region: str
    sha1: str
    tables: dict[str, pd.DataFrame]
    provenance: pd.DataFrame
    log: pd.DataFrame
    #: the project of a 项目支出绩效自评表 ("" for a department's own report)
    project: str = ""
    #: level-1 indicator -> weight declared by the report (``产出指标(50分)``, a 分值 column per level)
    level_weights: dict[str, float] = field(default_factory=dict)
    #: what ``perfeval import --explain`` prints: ``who`` (label, value, place), ``blocks``
    #: (block, place, header matched, rows read) and ``skipped`` (place, text, why)
    layout: dict = field(default_factory=dict)

    @property
    def has_warnings(self) -> bool:
        """True when the log holds a 警告 or 错误 entry."""
        return bool(self.log["level"].isin([WARNING, ERROR]).any())


@dataclass
class _Loc:
    doc_table: str
    row: int | None = None
    col: int | None = None
    line: int | None = None

    def describe(self) -> str:
        if self.doc_table == "正文":
            s = f"正文第{self.row}段" if self.row is not None else "正文"
        else:
            s = self.doc_table
            if self.row is not None:
                s += f" 第{self.row}行"
            if self.col is not None:
                s += f" 第{self.col}列"
        if self.line is not None:
            s += f"（文本第{self.line}行）"
        return s


@dataclass
class _Val:
    value: str
    raw: str
    loc: _Loc
    priority: int
    unit: str | None = None


@dataclass
class _FinRow:
    offset: int
    item: str
    parent: str | None
    unit: str | None = None
    cols: dict[str, _Val] = field(default_factory=dict)


def _cell_loc(grid: Grid, cell: Cell) -> _Loc:
    return _Loc(grid.name, cell.row, cell.col, cell.line)

