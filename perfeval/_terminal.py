"""Tables for people on a terminal: fit the width, wrap text, right-align numbers.

The ``perfeval`` command's ``table`` format is drawn here with :mod:`rich`
(which knows East Asian character widths). A table never runs wider than the
terminal (``COLUMNS`` respected; when piped, 80 columns unless ``COLUMNS`` says
otherwise): long text wraps inside its column, numbers are right-aligned at the
precision of their kind (:mod:`perfeval._format`), and when the numeric columns
do not fit side by side they continue in a second block that repeats the key
columns, as a printed report would. Colour only when the output is a terminal
(``NO_COLOR`` / ``FORCE_COLOR`` respected). Text from data is never markup.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import pandas as pd

from ._format import fmt_number, is_blank

#: Style of each severity (colour is dropped when the output is not a terminal).
SEVERITY_STYLE = {"错误": "bold red", "警告": "yellow", "提示": "cyan"}
NUMERIC_KINDS = ("money", "rate", "score", "count", "year")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Col:
    """One column of a terminal table.

    ``kind`` is a number kind of :data:`perfeval._format.DECIMALS` (right-aligned,
    formatted at its precision), ``text`` (wraps) or ``bool`` (是/否).
    ``min_width``/``max_width`` bound a text column (display cells).
    """

    name: str
    header: str
    kind: str = "text"
    min_width: int = 6
    max_width: int = 60
    #: wrap this column's text after this character (``_`` keeps ``snake_case`` codes legible)
    break_after: str = ""
    #: widen to the longest value first when the table still fits (codes people copy)
    whole: bool = False
    #: share of the spare width a text column gets, relative to its unmet width
    weight: int = 1


class _RStrip:
    """A file that drops the trailing blanks rich pads lines with (for pipes and files)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.pending = ""

    def write(self, s: str) -> int:
        *lines, self.pending = (self.pending + s).split("\n")
        for line in lines:
            self.out.write(line.rstrip(" ") + "\n")
        return len(s)

    def flush(self) -> None:
        if self.pending:
            self.out.write(self.pending.rstrip(" "))
            self.pending = ""
        self.out.flush()

    def isatty(self) -> bool:
        return False


def _isatty(out: TextIO) -> bool:
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError):
        return False


def console(out: TextIO, width: int | None = None) -> Any:
    """A :class:`rich.console.Console` writing to ``out`` (width from the terminal or ``COLUMNS``).

    Colour only on a terminal (or with ``FORCE_COLOR``); text is never read as markup or emoji.
    """
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # `perfeval check | head`: let the command's boundary decide
            self.quiet = True
            raise BrokenPipeError

    target: Any = out if _isatty(out) else _RStrip(out)
    return _Console(file=target, width=width, emoji=False, markup=False, highlight=False, soft_wrap=False)


def plain(value: Any) -> str:
    """Text of a data cell: blank → "", control characters (terminal escapes) shown as ``\\xNN``."""
    if is_blank(value):
        return ""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def text(value: Any, style: str = "") -> Any:
    """A :class:`rich.text.Text` of data (never parsed as markup)."""
    from rich.text import Text

    return Text(plain(value), style=style)


def cell_text(value: Any, kind: str) -> str:
    """The text of one cell of ``kind``."""
    if kind in NUMERIC_KINDS:
        return fmt_number(value, kind)
    if kind == "bool":
        return "" if is_blank(value) else ("是" if bool(value) else "否")
    return plain(value)


def _cells(s: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in s.splitlines()), default=0)


def wrap_header(header: str, width: int) -> str:
    """``header`` on lines of at most ``width`` cells, preferably broken before ``(`` (``得分\n(报)``)."""
    from rich.cells import cell_len

    if cell_len(header) <= width:
        return header
    cut = header.find("(")
    if 0 < cut and cell_len(header[:cut]) <= width:
        return header[:cut] + "\n" + wrap_header(header[cut:], width)
    return _pack(list(header), width)


def _two_line_width(header: str) -> int:
    """Narrowest width at which ``header`` wraps (by :func:`wrap_header`) onto at most two lines."""
    from rich.cells import cell_len

    total = cell_len(header)
    w = max(2, math.ceil(total / 2))
    while w < total and wrap_header(header, w).count("\n") > 1:
        w += 1
    return w


def _break_after(value: str, width: int, sep: str) -> str:
    """``value`` on lines of at most ``width`` cells, broken after ``sep`` where possible."""
    if not sep or _cells(value) <= width:
        return value
    return _pack(re.split(f"(?<={re.escape(sep)})", value), width)


#: Never at the start of a line (closing punctuation) / at the end of one (opening), as Chinese typesetting does.
_NO_START = set("，。、；：？！）」』》】〕〉”’%…·,.;:?!)]}")
_NO_END = set("（「『《【〔〈“‘([{")
#: Runs kept together when they fit: ASCII words and numbers (85.4561, indicators.csv, ≥98%).
_TOKEN = re.compile(r"\s+|[A-Za-z0-9_.,%/:+\-–=≥≤<>'\"#&@*^$!?~|\\]+|.", re.DOTALL)


def wrap_text(value: str, width: int) -> str:
    """``value`` on lines of at most ``width`` cells: ASCII words and numbers kept whole where they fit,
    no line opening on closing punctuation (，。」）) or ending on opening punctuation (（「).

    Examples
    --------
    >>> print(wrap_text("执行数85.4561万元，未达到指标值「100%」。", 12))
    执行数
    85.4561万
    元，未达到指
    标值
    「100%」。
    """
    if width < 4:
        return value
    out: list[str] = []
    for paragraph in value.split("\n"):
        lines: list[list[str]] = [[]]
        used = 0
        for tok in _TOKEN.findall(paragraph):
            w = _cells(tok)
            if tok.isspace():
                if lines[-1]:
                    lines[-1].append(" ")
                    used += 1
                continue
            if used + w > width and lines[-1]:
                carry: list[str] = []
                while (carry[0] if carry else tok)[0] in _NO_START and len(lines[-1]) > 1:  # take the last one along
                    carry.insert(0, lines[-1].pop())
                while lines[-1] and (lines[-1][-1] == " " or lines[-1][-1][-1:] in _NO_END) and len(lines[-1]) > 1:
                    carry.insert(0, lines[-1].pop())
                carry = [t for t in carry if t != " "]
                if sum(_cells(t) for t in carry) + w > width:  # no room to carry: break plainly
                    lines[-1].extend(carry)
                    carry = []
                lines.append(carry)
                used = sum(_cells(t) for t in lines[-1])
            while w > width:  # longer than a line: fold
                room = width - used
                cut, acc = 0, 0
                while cut < len(tok) and acc + _cells(tok[cut]) <= room:
                    acc += _cells(tok[cut])
                    cut += 1
                if cut == 0:
                    lines.append([])
                    used = 0
                    continue
                lines[-1].append(tok[:cut])
                lines.append([])
                used = 0
                tok = tok[cut:]
                w = _cells(tok)
            lines[-1].append(tok)
            used += w
        out.extend("".join(line).rstrip() for line in lines)
    return "\n".join(out)


def _pack(parts: Sequence[str], width: int) -> str:
    """``parts`` joined into lines of at most ``width`` cells (a part longer than that on its own line)."""
    lines, line = [], ""
    for part in parts:
        if line and _cells(line + part) > width:
            lines.append(line)
            line = ""
        line += part
    lines.append(line)
    return "\n".join(lines)


def _distribute(natural: list[int], minimum: list[int], room: int, weight: list[int] | None = None) -> list[int]:
    """Widths between ``minimum`` and ``natural`` summing to at most ``room`` (shared by weighted demand)."""
    weight = weight or [1] * len(natural)
    widths = list(minimum)
    spare = room - sum(widths)
    if spare < 0:  # not even the minimums fit: shrink them evenly (never below 2 cells)
        scale = max(room, 2 * len(widths)) / max(sum(widths), 1)
        return [max(2, int(w * scale)) for w in widths]
    while spare > 0:
        demand = [n - w for n, w in zip(natural, widths)]
        total = sum(d * k for d, k in zip(demand, weight) if d > 0)
        if total == 0:
            break
        given = 0
        for i, d in enumerate(demand):
            if d > 0:
                add = min(d, max(1, spare * d * weight[i] // total))
                add = min(add, spare - given)
                widths[i] += add
                given += add
        if given == 0:
            break
        spare -= given
    return widths


GAP = 2  # cells between two columns (one divider + one padding)


def _table(cols: Sequence[Col], widths: Sequence[int], rows: list[list[Any]], *, styles: dict[int, dict[str, str]] | None = None) -> Any:
    from rich import box
    from rich.table import Column, Table

    columns = [Column(text(wrap_header(c.header, w)), width=w, justify="right" if c.kind in NUMERIC_KINDS else "left",
                      overflow="fold", no_wrap=False, header_style="bold")
               for c, w in zip(cols, widths)]
    table = Table(*columns, box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False, pad_edge=False,
                  collapse_padding=False, expand=False)
    for r, row in enumerate(rows):
        table.add_row(*[text(v, (styles or {}).get(r, {}).get(c.name, "")) for c, v in zip(cols, row)])
    return table


def frame_table(con: Any, df: pd.DataFrame, cols: Sequence[Col], *, keys: Sequence[str] = (),
                width: int | None = None, styles: dict[int, dict[str, str]] | None = None,
                measure: pd.DataFrame | None = None, drop_blank: bool = False) -> None:
    """Print ``df`` as one or more blocks of columns, each no wider than the console.

    ``keys`` name the columns repeated at the left of every block (department, year).
    ``styles``: row position → {column: rich style}. ``measure``: the frame whose
    values set the column widths (default ``df``; pass the whole frame when printing
    it in groups, so every group's columns line up). ``drop_blank``: leave out
    number columns blank on every row, named in one line below the table.
    """
    width = width or con.width
    cols = [c for c in cols if c.name in df.columns]
    if drop_blank:
        blank = [c for c in cols if c.name not in keys and c.kind in NUMERIC_KINDS and df[c.name].isna().all()]
        cols = [c for c in cols if c not in blank]
    body = [[cell_text(v, c.kind) for v in df[c.name]] for c in cols]  # column-major
    sized = body if measure is None else [[cell_text(v, c.kind) for v in measure[c.name]] for c in cols]
    natural, minimum = [], []
    for c, values in zip(cols, sized):
        head = _two_line_width(c.header)
        longest = max((_cells(v) for v in values), default=0)
        if c.kind == "text":
            natural.append(max(min(max(longest, head), c.max_width), min(c.min_width, longest or c.min_width)))
            # key columns (department, year) are read on every line: never squeezed
            minimum.append(natural[-1] if c.name in keys else min(c.min_width, natural[-1]))
        else:  # numbers never wrap; a long header may (onto two lines), a short one (执行率) stays whole
            natural.append(max(longest, _cells(c.header), 2))
            minimum.append(max(longest, head if _cells(c.header) > 8 else _cells(c.header), 2))
    for i, c in enumerate(cols):
        # only when the others keep some room to grow (20 cells): a whole code must not starve the text
        if c.whole and sum(minimum) - minimum[i] + natural[i] + GAP * (len(cols) - 1) <= width - 20:
            minimum[i] = natural[i]
    key_idx = [i for i, c in enumerate(cols) if c.name in keys]
    rest = [i for i, c in enumerate(cols) if c.name not in keys]

    def fits(idx: list[int]) -> bool:
        return sum(minimum[i] for i in idx) + GAP * (len(idx) - 1) <= width

    blocks: list[list[int]] = []
    current: list[int] = []
    for i in rest:
        if current and not fits(key_idx + current + [i]):
            blocks.append(current)
            current = []
        current.append(i)
    blocks.append(current)
    rows = [list(r) for r in zip(*body)] if body else []
    for b, block in enumerate(blocks):
        idx = sorted(key_idx + block)
        room = width - GAP * (len(idx) - 1)
        widths = _distribute([natural[i] for i in idx], [minimum[i] for i in idx], room, [cols[i].weight for i in idx])
        if b:
            con.print(text(f"（续表 {b + 1}/{len(blocks)}）", "dim"))
        shown = [cols[i] for i in idx]
        cells = [[_break_after(row[i], w, c.break_after) if c.break_after
                  else wrap_text(row[i], w) if c.kind == "text" else row[i]
                  for i, c, w in zip(idx, shown, widths)] for row in rows]
        con.print(_table(shown, widths, cells, styles=styles))
    if drop_blank and blank:
        con.print(text(f"均未填报：{'、'.join(c.header for c in blank)}", "dim"))


__all__ = ["Col", "SEVERITY_STYLE", "console", "frame_table", "plain", "text", "cell_text"]
