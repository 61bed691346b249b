"""Plain text extracted from a Word report (the seed's form).

Table cells are lines starting with a tab; a blank line ends a table row; a
line without a leading tab right after a cell continues that cell (a cell with
several paragraphs); after a blank line it is narrative again and ends the
table. ``[bookmark: …]`` artefacts are removed later by :func:`clean`/:func:`norm`.
"""
from __future__ import annotations

from perfeval._import._model import Cell, Document, Grid, Paragraph


def decode_text(data: bytes) -> str | None:
    """Decode text bytes (UTF-8 with or without BOM, UTF-16 with BOM, or GBK); None if not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def parse_text(text: str, file: str) -> Document:
    """Split exported text into paragraphs and tables.

    Parameters
    ----------
    text : str
        The whole file's text.
    file : str
        File name recorded in the document (for provenance).

    Returns
    -------
    Document
        Blocks in order; cells carry their 1-based line number.

    Examples
    --------
    >>> doc = parse_text("标题\\n\\ta\\n\\tb\\n\\n\\tc\\n续\\n\\n正文", "x.txt")
    >>> [type(b).__name__ for b in doc.blocks]
    ['Paragraph', 'Grid', 'Paragraph']
    >>> [[c.text for c in r] for r in doc.grids[0].rows]
    [['a', 'b'], ['c\\n续']]
    """
    doc = Document(file=file, kind="text")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows: list[list[list]] = []  # row -> cells -> [text, line]
    row: list[list] = []
    in_table = False
    gap = False
    n_tables = 0
    n_par = 0

    def close_table() -> None:
        nonlocal rows, row, in_table, n_tables
        if row:
            rows.append(row)
        if rows:
            n_tables += 1
            grid_rows = tuple(
                tuple(Cell(text=t, row=r + 1, col=c + 1, line=ln) for c, (t, ln) in enumerate(cells))
                for r, cells in enumerate(rows)
            )
            doc.blocks.append(Grid(index=n_tables, name=f"表{n_tables}", rows=grid_rows))
        rows, row, in_table = [], [], False

    for number, line in enumerate(lines, start=1):
        if line.startswith("\t"):
            if in_table and gap and row:
                rows.append(row)
                row = []
            in_table = True
            gap = False
            row.append([line[1:], number])
        elif not line.strip():
            gap = True
        elif in_table and not gap and row:
            row[-1][0] += "\n" + line
        else:
            if in_table:
                close_table()
            gap = False
            n_par += 1
            doc.blocks.append(Paragraph(text=line, index=n_par, line=number))
    if in_table:
        close_table()
    return doc
