"""Excel copies of 附件1-1 / 附件1-2 (.xlsx, or .xls that is really .xlsx): one grid per sheet."""
from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook

from perfeval._import._model import Cell, Document, Grid


def _text(value: object, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        if "%" in (number_format or ""):
            m = re.search(r"0\.(0+)%", number_format)
            decimals = len(m.group(1)) if m else 0
            return f"{value * 100:.{decimals}f}%"
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def parse_xlsx(data: bytes, file: str) -> Document:
    """Read a workbook into the intermediate form, one :class:`Grid` per sheet.

    Merged ranges are resolved like Word's: the anchor cell carries the text and
    the span; rows below the anchor show an empty cell. Cached formula results
    are read (``data_only``); percentage formats give ``98%``.
    """
    wb = load_workbook(io.BytesIO(data), data_only=True)
    doc = Document(file=file, kind="xlsx")
    for index, ws in enumerate(wb.worksheets, start=1):
        anchors: dict[tuple[int, int], int] = {}
        covered: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            anchors[(rng.min_row, rng.min_col)] = rng.max_col - rng.min_col + 1
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        covered[(r, c)] = (rng.min_col, rng.max_col - rng.min_col + 1)
        rows = []
        max_col = ws.max_column or 0
        for r in range(1, (ws.max_row or 0) + 1):
            cells = []
            for c in range(1, max_col + 1):
                if (r, c) in covered:
                    first, width = covered[(r, c)]
                    if c == first:  # vertical continuation of a merge: an empty cell
                        cells.append(Cell(text="", row=r, col=c, span=width))
                    continue
                cell = ws.cell(row=r, column=c)
                cells.append(Cell(text=_text(cell.value, cell.number_format), row=r, col=c,
                                  span=anchors.get((r, c), 1)))
            if any(x.text.strip() for x in cells):
                rows.append(tuple(cells))
        doc.blocks.append(Grid(index=index, name=ws.title, rows=tuple(rows)))
    return doc
