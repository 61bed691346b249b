"""Word (.docx) reports: paragraphs and tables in document order, merged cells resolved."""
from __future__ import annotations

import io

from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from perfeval._import._model import Cell, Document, Grid, Paragraph

_P, _TBL, _SDT, _SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")


def _grid(tbl, parent, index: int) -> Grid:
    table = Table(tbl, parent)
    rows = []
    for r, tr in enumerate(tbl.tr_lst, start=1):
        col = (tr.grid_before or 0) + 1
        cells = []
        for tc in tr.tc_lst:
            span = tc.grid_span or 1
            text = "" if tc.vMerge == "continue" else _Cell(tc, table).text
            cells.append(Cell(text=text, row=r, col=col, span=span))
            col += span
        rows.append(tuple(cells))
    return Grid(index=index, name=f"表{index}", rows=tuple(rows))


def parse_docx(data: bytes, file: str) -> Document:
    """Read a .docx into the intermediate form.

    Horizontally merged cells (``gridSpan``) appear once with their span; the
    continuation of a vertical merge (``vMerge``) appears as an empty cell, as in
    a text export. Content controls (``w:sdt``) are descended into.
    """
    d = open_docx(io.BytesIO(data))
    doc = Document(file=file, kind="docx")
    counters = {"p": 0, "t": 0}

    def walk(container) -> None:
        for child in container.iterchildren():
            if child.tag == _P:
                counters["p"] += 1
                doc.blocks.append(Paragraph(text=DocxParagraph(child, d).text, index=counters["p"]))
            elif child.tag == _TBL:
                counters["t"] += 1
                doc.blocks.append(_grid(child, d, counters["t"]))
            elif child.tag == _SDT:
                for sub in child.iterchildren(_SDT_CONTENT):
                    walk(sub)

    walk(d.element.body)
    return doc
