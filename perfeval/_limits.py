"""Limits on untrusted input, checked before any parser sees it (one home; values in docs/security.md).

Reports and dataset files come from outside. A few-KB file must not cost
minutes and gigabytes, and a table that is really a pipe or a device must not
hang the batch. Every check here runs *before* parsing, raises
:class:`InputRefused` with a stable ``code`` and a Chinese reason, and callers
turn it into a per-file error (the import log, or one problem of a
:class:`~perfeval._errors.DatasetError`) so a batch goes on.

>>> LIMITS["MAX_COLUMNS"]
1000
"""
from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path

MiB = 1024 * 1024

#: a report file (.docx, .xlsx, text, legacy .doc) on disk
MAX_REPORT_BYTES = 64 * MiB
#: one dataset file (a CSV table or the .xlsx workbook)
MAX_TABLE_BYTES = 1024 * MiB
#: the sum of a report archive's members once inflated (.docx / .xlsx)
MAX_REPORT_UNCOMPRESSED = 256 * MiB
#: the XML parts of a report archive once inflated (parsed into a tree: kept well below the total)
MAX_REPORT_XML = 64 * MiB
#: the sum of a dataset workbook's members once inflated
MAX_TABLE_UNCOMPRESSED = 2048 * MiB
#: inflated / compressed size of one archive member (only checked above 1 MiB inflated)
MAX_COMPRESSION_RATIO = 200
RATIO_FLOOR = 1 * MiB
#: members in one archive
MAX_ARCHIVE_MEMBERS = 10_000
#: rows and columns of a report's sheet (附件 tables are a few dozen rows)
MAX_REPORT_ROWS = 20_000
MAX_REPORT_COLUMNS = 256
#: cells covered by merged ranges in one report sheet
MAX_MERGED_CELLS = 200_000
#: columns of a dataset table (header or any row)
MAX_COLUMNS = 1_000
#: rows of a dataset sheet (a row number beyond this is refused before reading)
MAX_ROWS = 5_000_000
#: the largest magnitude of a number in a dataset cell (money in 万元, headcounts, scores): beyond it is ``bad_number``
MAX_ABS_NUMBER = 1e15
#: characters in one cell (Excel's own limit is 32,767)
MAX_CELL_CHARS = 32_767
#: a dataset sheet goes to the fast whole-sheet reader (calamine, which allocates rows × columns cells at
#: once) only when that area is at most this many times the cells written (or ``DENSE_FLOOR``)
MAX_SPARSENESS = 4
DENSE_FLOOR = 1 << 20

LIMITS = {k: v for k, v in dict(globals()).items() if k.startswith("MAX_") or k == "RATIO_FLOOR"}


class InputRefused(Exception):
    """A file refused before parsing: ``code`` is stable, ``reason`` Chinese."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{reason}（{code}）")


def _mb(n: float) -> str:
    return f"{n / MiB:,.0f} MB" if n >= MiB else f"{n:,.0f} 字节"


def check_regular_file(path: str | os.PathLike[str]) -> os.stat_result:
    """``stat`` ``path`` (following links) and refuse anything but a regular file, without opening it.

    A FIFO would block a reader for ever and ``/dev/zero`` (or a link to it)
    never ends.
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputRefused("unreadable_file", f"无法读取文件（{exc.strerror or exc}）") from None
    if not stat.S_ISREG(st.st_mode):
        what = ("管道（FIFO）" if stat.S_ISFIFO(st.st_mode) else "设备文件" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "套接字" if stat.S_ISSOCK(st.st_mode) else "文件夹" if stat.S_ISDIR(st.st_mode) else "特殊文件")
        link = "（符号链接指向它）" if Path(path).is_symlink() else ""
        raise InputRefused("not_regular_file", f"不是普通文件，而是{what}{link}，未读取")
    return st


def read_limited(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of a regular file no larger than ``max_bytes``.

    The type and size are checked with ``stat`` first; the file is then opened
    non-blocking and checked again (it may have been swapped), and never more
    than ``max_bytes`` + 1 bytes are read.
    """
    st = check_regular_file(path)
    if st.st_size > max_bytes:
        raise InputRefused("too_large", f"文件过大（{_mb(st.st_size)}，上限 {_mb(max_bytes)}），未读取")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputRefused("unreadable_file", f"无法读取文件（{exc.strerror or exc}）") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise InputRefused("not_regular_file", "不是普通文件，未读取")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputRefused("too_large", f"文件过大（超过 {_mb(max_bytes)}），未读取")
    return data


def check_archive(zf: zipfile.ZipFile, max_uncompressed: int, max_xml: int | None = None) -> None:
    """Refuse a zip (.docx / .xlsx) that would inflate too far, judged from its directory.

    ``zipfile`` never inflates a member past the size its directory declares,
    so the declared sizes bound what any later parser can be fed.
    """
    infos = zf.infolist()
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        raise InputRefused("too_large", f"压缩包内文件过多（{len(infos):,} 个，上限 {MAX_ARCHIVE_MEMBERS:,}），未读取")
    total = xml = 0
    for info in infos:
        total += info.file_size
        if info.filename.endswith((".xml", ".rels")):
            xml += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise InputRefused(
                "compression_bomb",
                f"压缩比异常（{info.filename} 由 {_mb(info.compress_size)} 解压为 {_mb(info.file_size)}，"
                f"约 {ratio:,.0f} 倍，上限 {MAX_COMPRESSION_RATIO} 倍），疑为压缩炸弹，未解析")
    if total > max_uncompressed:
        raise InputRefused("too_large", f"解压后过大（{_mb(total)}，上限 {_mb(max_uncompressed)}），未解析")
    if max_xml is not None and xml > max_xml:
        raise InputRefused("too_large", f"文档内容（XML）解压后过大（{_mb(xml)}，上限 {_mb(max_xml)}），未解析")


_REF = re.compile(r"([A-Z]{1,3})?(\d+)?")


def cell_ref(ref: str) -> tuple[int, int]:
    """(row, column) of an A1 reference; a missing part is 0.

    >>> cell_ref("XFD1048576")
    (1048576, 16384)
    """
    m = _REF.fullmatch(ref.strip().upper().replace("$", ""))
    if m is None:
        return 0, 0
    col = 0
    for ch in m.group(1) or "":
        col = col * 26 + ord(ch) - 64
    return int(m.group(2) or 0), col


def scan_report_sheets(zf: zipfile.ZipFile) -> None:
    """Refuse a report workbook whose sheets are too large or too merged, reading cell refs only.

    Each sheet's XML is streamed through expat (no tree is built; the input is
    bounded by :func:`check_archive`): every row and cell reference (or, where a
    file omits them, the running count) and every ``<mergeCell>`` are checked
    against :data:`MAX_REPORT_ROWS`, :data:`MAX_REPORT_COLUMNS` and
    :data:`MAX_MERGED_CELLS` before openpyxl builds anything.
    """
    from xml.parsers import expat

    for name in zf.namelist():
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        state = {"row": 0, "col": 0, "merged": 0}

        def start(tag: str, attrs: dict[str, str], state=state, name=name) -> None:
            tag = tag.rsplit(":", 1)[-1].rsplit("}", 1)[-1]
            if tag == "row":
                r = attrs.get("r")
                state["row"] = int(r) if r and r.isdigit() else state["row"] + 1
                state["col"] = 0
                _check_size(state["row"], 0, name)
            elif tag == "c":
                r, c = cell_ref(attrs.get("r") or "")
                state["col"] = c or state["col"] + 1
                _check_size(r or state["row"], state["col"], name)
            elif tag == "mergeCell":
                a, _, b = (attrs.get("ref") or "").partition(":")
                (r1, c1), (r2, c2) = cell_ref(a), cell_ref(b or a)
                _check_size(max(r1, r2), max(c1, c2), name)
                state["merged"] += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
                if state["merged"] > MAX_MERGED_CELLS:
                    raise InputRefused("too_large", f"工作表 {name.rsplit('/', 1)[-1]} 合并单元格面积过大"
                                                    f"（超过 {MAX_MERGED_CELLS:,} 格），未解析")

        parser = expat.ParserCreate()
        parser.StartElementHandler = start
        with zf.open(name) as fh:
            while chunk := fh.read(MiB):
                try:
                    parser.Parse(chunk, False)
                except expat.ExpatError:
                    return  # malformed XML: openpyxl reports the damage
            try:
                parser.Parse(b"", True)
            except expat.ExpatError:
                return


#: a cell's start tag begins ``<c`` and a space, ``>`` or ``/``; other tags starting ``<c`` (``<col``,
#: ``<cfRule``…) are few and counted apart; a prefixed cell (``<x:c …>``) is a doubt
_NOT_CELL = re.compile(rb"<c[\w:.\-]")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
#: a cell whose first attribute is a plain A1 reference (how Excel, WPS, LibreOffice and xlsxwriter write it),
#: and the rest of its start tag (no second ``r`` may be there: calamine would take the last)
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,8})"([^>]*)>')
_SECOND_R = re.compile(rb"r\s*=")
#: a ``>`` inside an attribute value would end the tail above early
_GT_IN_VALUE = re.compile(rb'="[^"]*>')
#: declarations that could make an XML parser read text the byte scan does not see (never in OOXML)
_OPAQUE = (b"<!DOCTYPE", b"<!ENTITY")


def scan_table_sheets(zf: zipfile.ZipFile) -> bool:
    """Whether a dataset workbook may go to the whole-sheet reader; refuse one beyond the limits.

    The fast reader (calamine) builds each sheet as one block of rows × columns
    cells from the first to the last reference, so one cell at ``XFD1048576``
    would ask for 17 billion cells (and end the process). Every worksheet's XML
    is scanned as bytes, in chunks, at the speed of a regular expression: when
    every cell carries a plain A1 reference, the largest row and column are
    known exactly; one beyond :data:`MAX_ROWS` or :data:`MAX_COLUMNS` is
    refused (:class:`InputRefused`), and a sheet whose block would be more than
    :data:`MAX_SPARSENESS` times the cells written (above :data:`DENSE_FLOOR`)
    is left to the streaming reader. Anything the scan cannot read exactly
    (cells without a reference, prefixed tags, a doubled attribute, a
    DOCTYPE) returns ``False``; a cell reference in a comment or CDATA only
    makes the bounds larger. ``False``: the streaming reader (openpyxl), whose
    memory follows the rows it keeps, reads that workbook and checks each row.
    """
    from operator import itemgetter

    for name in zf.namelist():  # every member: the workbook's relations may put a sheet anywhere
        cells = max_row = max_col = 0
        with zf.open(name) as fh:
            carry = b""
            while True:
                chunk = fh.read(8 * MiB)
                data = carry + chunk
                # every token scanned starts with its only "<": cut before the last one, the rest waits
                cut = data.rfind(b"<") if chunk else len(data)
                cut = len(data) if cut <= 0 else cut
                part, carry = data[:cut], data[cut:]
                if any(t in part for t in _OPAQUE) or _PREFIXED_CELL.search(part):
                    return False
                refs = _PLAIN_CELL.findall(part)
                if len(refs) != part.count(b"<c") - len(_NOT_CELL.findall(part)):
                    return False  # a cell without a plain reference: its place depends on a counter
                if refs and (b"='" in part or _GT_IN_VALUE.search(part)
                             or _SECOND_R.search(b"".join(map(itemgetter(2), refs)))):
                    return False  # a doubled reference, or a tag the byte scan cannot split exactly
                if refs:
                    cells += len(refs)
                    max_row = max(max_row, max(map(int, map(itemgetter(1), refs))))
                    max_col = max(max_col, *(cell_ref(c.decode())[1] for c in set(map(itemgetter(0), refs))))
                if not chunk:
                    break
        if max_row > MAX_ROWS or max_col > MAX_COLUMNS:
            sheet = name.rsplit("/", 1)[-1]
            raise InputRefused("too_large" if max_row > MAX_ROWS else "too_many_columns",
                               f"工作表 {sheet} 过大（用到第 {max_row:,} 行、第 {max_col:,} 列；上限 "
                               f"{MAX_ROWS:,} 行、{MAX_COLUMNS:,} 列），未读取")
        if max_row * max_col > max(MAX_SPARSENESS * cells, DENSE_FLOOR):
            return False
    return True


def _check_size(row: int, col: int, member: str) -> None:
    if row > MAX_REPORT_ROWS or col > MAX_REPORT_COLUMNS:
        sheet = member.rsplit("/", 1)[-1]
        raise InputRefused("too_large", f"工作表 {sheet} 过大（用到第 {row:,} 行、第 {col:,} 列；报告表格上限 "
                                        f"{MAX_REPORT_ROWS:,} 行、{MAX_REPORT_COLUMNS} 列），未解析")


__all__ = ["InputRefused", "LIMITS", "check_regular_file", "read_limited", "check_archive", "scan_report_sheets",
           "scan_table_sheets", "cell_ref"] + sorted(LIMITS)
