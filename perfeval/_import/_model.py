"""The intermediate form every reader produces and the interpreter consumes.

A report, whatever its format, becomes a :class:`Document`: an ordered list of
blocks, each a :class:`Paragraph` (a line of narrative) or a :class:`Grid` (a
table as rows of :class:`Cell`). Merged cells are collapsed the way a Word
text export shows them: a horizontally merged cell appears once, a vertically
merged continuation appears as an empty cell.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from perfeval._errors import PerfevalError


class ReportImportError(PerfevalError):
    """A report file could not be read at all.

    The message (Chinese) names the file and the reason. Problems *inside* a
    readable report never raise: they go to :attr:`ImportedReport.log`.
    """

    def __init__(self, file: str, reason: str, code: str = "unreadable_file") -> None:
        self.file = file
        self.reason = reason
        #: stable code: ``unreadable_file``, or a limit's (``too_large``, ``compression_bomb``, ``not_regular_file``)
        self.code = code
        super().__init__(f"无法导入 {file}：{reason}")


_WS = re.compile(r"\s+")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")


def norm(text: str) -> str:
    """Normalise a label for matching: NFKC, bookmarks and all whitespace removed.

    >>> norm("当前年 预算数　")
    '当前年预算数'
    >>> norm("总  分")
    '总分'
    """
    s = unicodedata.normalize("NFKC", _BOOKMARK.sub("", text or ""))
    return _WS.sub("", s)


def clean(text: str) -> str:
    """A value as written: bookmark noise removed, edge whitespace (incl. U+3000) stripped.

    >>> clean("\\u300019 ")
    '19'
    """
    return _BOOKMARK.sub("", text or "").strip()


def scrub(text: str) -> str:
    """Mask personal data in text bound for an output file (:func:`perfeval._privacy.mask_text`).

    >>> scrub("电话13787340508")
    '电话***********'
    """
    from perfeval._privacy import mask_text

    return mask_text(text or "")


@dataclass(frozen=True)
class Cell:
    """One table cell: ``row``/``col`` are 1-based; ``line`` is a text file's line."""

    text: str
    row: int
    col: int
    span: int = 1
    line: int | None = None

    @property
    def value(self) -> str:
        return clean(self.text)

    @property
    def key(self) -> str:
        return norm(self.text)


@dataclass(frozen=True)
class Grid:
    """A table: ``index`` is 1-based in document order; ``name`` labels it (``表2``, a sheet name)."""

    index: int
    name: str
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Paragraph:
    """A line of narrative; ``index`` is 1-based among paragraphs, ``line`` a text file's line."""

    text: str
    index: int
    line: int | None = None


@dataclass
class Document:
    """A report in the intermediate form."""

    file: str
    kind: str  # "docx", "text", "xlsx"
    blocks: list[Paragraph | Grid] = field(default_factory=list)
    #: reader remarks (Chinese) that go to the import log as warnings
    remarks: list[str] = field(default_factory=list)

    @property
    def grids(self) -> list[Grid]:
        return [b for b in self.blocks if isinstance(b, Grid)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]
