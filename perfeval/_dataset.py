"""Datasets: load a CSV folder or an .xlsx workbook into tidy frames.

A dataset file set follows ``docs/data-model.md``. :func:`load` reads it, checks
every cell lazily (all problems of all files are collected and raised together as
one :class:`~perfeval._errors.DatasetError`), and returns a :class:`Dataset` whose
frames keep the raw text of every parsed value and the file and row it came from.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ._errors import DatasetError, Problem, ProblemCode
from ._export import write_bytes_atomic, write_text_atomic
from ._format import round_each
from ._memory import release_memory
from ._limits import (
    MAX_ABS_NUMBER, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, MAX_TABLE_BYTES, MAX_TABLE_UNCOMPRESSED, InputRefused, check_archive,
    check_regular_file, read_limited, scan_table_sheets,
)
from ._paths import DEFAULT_DATASET
from ._values import ParsedValue, parse_number, parse_value
from ._schema import (
    FINANCE_VOCABULARY,
    TABLES,
    UNIT_ALIASES,
    TableSpec,
    canonical_item,
    default_parent,
    header_map,
    item_split,
    norm_label,
    table_for_name,
)

#: The one string dtype of every public frame: pandas' own string dtype with NaN for
#: missing, which pandas 3 calls "str" (pandas >= 2.3 builds the same dtype), stored
#: as Python strings whether or not pyarrow is installed: the engine reads cells
#: back (labels, raw text) and iterating an Arrow-backed column costs ~4 µs a cell,
#: a Python-backed one next to nothing; the dtype is the same everywhere, so frames
#: built with and without pyarrow compare equal.
STR = pd.StringDtype("python", na_value=float("nan"))
TABLE_ORDER = ("departments", "finance", "staffing", "indicators", "goals", "evaluations")

# Output columns of each frame (after the contract columns); documented in Dataset.
_EXTRA = {
    "departments": ["is_example"],
    "finance": ["split", "unit_raw", "initial_budget_raw", "adjusted_budget_raw", "actual_raw"],
    "staffing": ["quota_raw", "actual_raw", "retired_raw"],
    "indicators": [
        "seq", "weight_raw", "score_raw",
        "target_kind", "target_op", "target_value", "target_unit",
        "actual_kind", "actual_op", "actual_value", "actual_unit", "actual_vague", "rule",
    ],
    "goals": ["seq"],
    "evaluations": ["execution_rate_value", "total_weight_raw", "total_score_raw", "execution_weight_raw", "execution_score_raw"],
}

DIRECTION_ALIASES = {
    "≥": "≥", ">=": "≥", "正向": "≥", "大于等于": "≥", "≧": "≥", ">": "≥",
    "≤": "≤", "<=": "≤", "反向": "≤", "小于等于": "≤", "≦": "≤", "<": "≤",
    "=": "=", "==": "=", "等于": "=", "＝": "=",
    "定性": "定性", "qualitative": "定性",
}


def distinct_dept_years(dept: np.ndarray, year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (dept_id, year) pairs of two aligned arrays (no blanks), sorted by department
    then year: the ids as an object array, the years as int64. Integer codes, no frames."""
    dcode, depts = pd.factorize(dept, sort=True)  # codes in the order of the sorted ids
    y0 = int(year.min())
    span = int(year.max()) - y0 + 1
    key = np.unique(dcode.astype(np.int64) * span + (year.astype(np.int64) - y0))
    return np.asarray(depts, dtype=object)[key // span], (key % span + y0).astype(np.int64)


def _dept_years_by_codes(parts: list[pd.DataFrame], departments: pd.DataFrame) -> pd.DataFrame | None:
    """:meth:`Dataset.dept_years` by integer codes (no concat, merge nor sort of frames).

    ``None`` when a key is blank, a year is not an integer column or a department id is
    registered twice: then the frame operations give the answer.
    """
    id_parts = [p["dept_id"].array for p in parts]
    year_parts = [p["year"].array for p in parts]
    if not all(isinstance(a.dtype, pd.StringDtype) for a in id_parts) or \
            not all(isinstance(a.dtype, pd.Int64Dtype) for a in year_parts):
        return None
    ids = np.concatenate([a.to_numpy(dtype=object, na_value=None) for a in id_parts])
    reg = departments["dept_id"].array.to_numpy(dtype=object, na_value=None)
    if any(a.isna().any() for a in year_parts) or pd.isna(ids).any() or pd.isna(reg).any() \
            or len(set(reg.tolist())) != len(reg):
        return None
    dept, year = distinct_dept_years(ids, np.concatenate([a.to_numpy(dtype=np.int64) for a in year_parts]))
    at = pd.Index(reg).get_indexer(dept)
    return pd.DataFrame({"dept_id": pd.array(dept, dtype=STR), "year": pd.array(year, dtype="Int64"),
                         "name": departments["name"].array.take(at, allow_fill=True)})


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset: six tidy frames keyed by ``dept_id`` and ``year``.

    Every frame carries ``source`` (file, or ``book.xlsx:sheet``) and
    ``source_row`` (1-based row in that file; the header is row 1). Money is in
    万元; the text as written is kept in the ``*_raw`` columns. Blank is ``NA``.

    Frames
    ------
    departments
        ``dept_id, name, region, full_name, note`` (str), ``is_example`` (bool:
        name or note says 示例).
    finance
        ``dept_id`` (str), ``year`` (Int64), ``item``, ``parent`` (str; parent
        defaults from the vocabulary), ``split`` (total / source / nature /
        detail / memo), ``initial_budget, adjusted_budget, actual`` (Float64,
        万元), ``unit_raw``, ``initial_budget_raw, adjusted_budget_raw,
        actual_raw`` (str as written).
    staffing
        ``dept_id, year, quota, actual, retired`` (Int64) and their ``_raw``.
    indicators
        ``dept_id, year, seq`` (order in the dept-year), ``level1, level2, name,
        target, actual, direction, reason`` (raw text), ``weight, score``
        (Float64) with ``weight_raw, score_raw``; parsed ``target_kind,
        target_op, target_value, target_unit, actual_kind, actual_op,
        actual_value, actual_unit, actual_vague`` and ``rule`` (≥, ≤, =, 定性 or
        预算 for "不突破预算").
    goals
        ``dept_id, year, seq, goal, result``.
    evaluations
        ``dept_id, year, framework, total_weight, total_score, grade,
        execution_rate`` (raw text), ``execution_rate_value`` (fraction),
        ``execution_weight, execution_score`` and their ``_raw``.

    A project form's rows (``project`` not blank) are in ``projects`` instead.

    Every frame but ``departments`` also has ``origin``: the place in the
    original report ("网信办.docx 表2 第11行") when the dataset was made by
    ``perfeval import`` (from its ``provenance.csv``), else NA.

    Examples
    --------
    >>> import perfeval
    >>> ds = perfeval.load()
    >>> ds.finance.query("dept_id == 'hyx-wxb' and item == '年度资金总额'")["actual"].iloc[0]
    np.float64(85.4561)
    """

    departments: pd.DataFrame
    finance: pd.DataFrame
    staffing: pd.DataFrame
    indicators: pd.DataFrame
    goals: pd.DataFrame
    evaluations: pd.DataFrame
    source: str = ""
    #: rows of project forms (项目支出绩效自评表), by table: ``finance, indicators, goals,
    #: evaluations`` with a non-blank ``project``; kept out of the six frames so that
    #: project figures never mix into a department's totals, metrics or score
    projects: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False)

    def __eq__(self, other: object) -> bool:
        """Two datasets are equal when every frame is (values, dtypes, order); ``source`` is ignored."""
        if not isinstance(other, Dataset):
            return NotImplemented
        return all(a.equals(b) for a, b in zip(self.tables().values(), other.tables().values()))

    __hash__ = object.__hash__

    def tables(self) -> dict[str, pd.DataFrame]:
        """The six frames by table name."""
        return {name: getattr(self, name) for name in TABLE_ORDER}

    def dept_years(self) -> pd.DataFrame:
        """Every (dept_id, year) that has any fact, sorted, with the department name."""
        frames = [df for name, df in self.tables().items() if name != "departments" and len(df)]
        if not frames:
            return pd.DataFrame({"dept_id": pd.Series(dtype=STR), "year": pd.Series(dtype="Int64"), "name": pd.Series(dtype=STR)})
        fast = _dept_years_by_codes(frames, self.departments)
        if fast is not None:
            return fast
        parts = [df[["dept_id", "year"]] for df in frames]
        out = pd.concat(parts, ignore_index=True).drop_duplicates()
        out = out.merge(self.departments[["dept_id", "name"]], on="dept_id", how="left")
        return out.sort_values(["dept_id", "year"], ignore_index=True)

    def dept_name(self, dept_id: str) -> str:
        """The department's short name (its id if the name is unknown)."""
        hit = self.departments.loc[self.departments["dept_id"] == dept_id, "name"]
        return str(hit.iloc[0]) if len(hit) and pd.notna(hit.iloc[0]) else dept_id

    def years(self, dept_id: str | None = None) -> list[int]:
        """The fiscal years with facts (for one department, or any)."""
        dy = self.dept_years()
        if dept_id is not None:
            dy = dy[dy["dept_id"] == dept_id]
        return sorted(int(y) for y in dy["year"].dropna().unique())

    def comparison_year(self) -> int | None:
        """The year for which most departments report a total actual (latest on a tie).

        This is the default year of a side-by-side comparison: the embedded data's
        real department reports 2021 only, and so do the most departments.
        """
        fin = self.finance
        tot = fin[(fin["item"] == "年度资金总额") & fin["actual"].notna()]
        if tot.empty:
            years = self.years()
            return years[-1] if years else None
        counts = tot.groupby("year")["dept_id"].nunique()
        return int(counts[counts == counts.max()].index.max())

    def subset(self, dept_ids: Iterable[str] | None = None, years: Iterable[int] | None = None) -> "Dataset":
        """A new dataset restricted to some departments and/or years."""
        ids = None if dept_ids is None else set(dept_ids)
        yrs = None if years is None else {int(y) for y in years}
        frames = {}
        for name, df in self.tables().items():
            mask = pd.Series(True, index=df.index)
            if ids is not None:
                mask &= df["dept_id"].isin(ids)
            if yrs is not None and "year" in df.columns:
                mask &= df["year"].isin(yrs)
            frames[name] = df[mask].reset_index(drop=True)
        projects = {}
        for name, df in self.projects.items():
            mask = pd.Series(True, index=df.index)
            if ids is not None:
                mask &= df["dept_id"].isin(ids)
            if yrs is not None:
                mask &= df["year"].isin(yrs)
            projects[name] = df[mask].reset_index(drop=True)
        return replace(self, **frames, projects=projects)


# ---------------------------------------------------------------------------
# reading files


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM) or GBK/GB18030 text; else :class:`InputRefused` naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    start = utf8_error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
    line = data.count(b"\n", 0, start) + 1
    raise InputRefused("unreadable_file", f"第 {start + 1:,} 字节（第 {line} 行，字节值 0x{data[start]:02X}）起"
                                          "既不是 UTF-8 也不是 GBK 编码，无法解码；请另存为 UTF-8 的 CSV")


@dataclass(frozen=True)
class _RawTable:
    """One table as read: every cell's text in a frame (columns 0…n-1, header included, blanks ``""``).

    ``width`` is the number of cells of the header row as written (rows may have
    more, which are reported as ``extra_cells``; fewer are padded with ``""``).
    """

    cells: pd.DataFrame
    width: int


def _raw_table(rows: list) -> _RawTable:
    """A :class:`_RawTable` from rows of cell text (header first, rows of any length)."""
    first = next((r for r in rows if not all(_blank(c) for c in r)), None)
    n = max(map(len, rows), default=0)
    pad = ("",) * n
    cells = pd.DataFrame([(*r, *pad[len(r):]) for r in rows], dtype=object) if n else pd.DataFrame(index=range(len(rows)))
    return _RawTable(cells, len(first) if first is not None else 0)


def _read_csv_table(path: Path) -> _RawTable:
    """A CSV file's cells, checked against the limits (file type and size, columns) first.

    Read by pandas' C parser in one pass; a file that parser reads differently from
    the ``csv`` module (a row wider than the first, a blank first row) is read by the
    ``csv`` module, so every file gives the same cells either way.
    """
    text = _decode(read_limited(path, MAX_TABLE_BYTES), path)
    first = text.split("\n", 1)[0]
    if first.count(",") >= MAX_COLUMNS and len(next(csv.reader([first]), [])) > MAX_COLUMNS:
        raise InputRefused("too_many_columns", f"表头列数过多（{first.count(',') + 1:,} 列，上限 {MAX_COLUMNS:,} 列），本表未读取")
    if text.strip() and "\x00" not in text and "\r" not in text.replace("\r\n", ""):
        try:
            cells = pd.read_csv(io.StringIO(text), header=None, dtype=object, keep_default_na=False, na_filter=False,
                                skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL, doublequote=True)
        except (pd.errors.ParserError, ValueError):
            cells = None
        if cells is not None and len(cells) and not all(_blank(c) for c in cells.iloc[0].tolist()):
            cells.columns = range(cells.shape[1])
            return _RawTable(cells, cells.shape[1])
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, MAX_TABLE_BYTES))  # a long cell is one row's problem, not the file's
    try:
        return _raw_table(list(csv.reader(io.StringIO(text))))
    finally:
        csv.field_size_limit(old)


def _read_parquet_rows(path: Path) -> list[list[str]]:
    """A Parquet table as rows of text (header first), like a CSV file.

    Every column is read as written: numbers stored as numbers become their text
    (``85.4561``), nulls become blank, so the same checks and ``*_raw`` columns apply
    as for CSV.
    """
    pq = _pyarrow_parquet()
    table = pq.read_table(path)
    header = [str(n) for n in table.column_names]
    cols = []
    for col in table.columns:
        values = col.to_pylist()
        cols.append(["" if v is None else (v if isinstance(v, str) else _cell_text(v)) for v in values])
    return [header, *map(list, zip(*cols))] if cols else [header]


def _pyarrow_parquet():  # noqa: ANN202 - module
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError("读写 Parquet 数据集需要 pyarrow：请运行 pip install 'perfeval[parquet]'") from exc
    return pq


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, _dt.datetime) and value.time() == _dt.time():
        return value.date().isoformat()  # a date typed in a cell: both workbook readers write it so
    return str(value)


_EMPTY: tuple[str, ...] = ()


def _read_xlsx(path: Path) -> dict[str, list[tuple[str, ...]]]:
    """The sheets that name a table, as rows of cell text (header first), memory following the data.

    The archive is checked before any reader opens it (size, inflated size,
    compression ratio, then :func:`perfeval._limits.scan_table_sheets`: every
    cell reference against :data:`MAX_ROWS` and :data:`MAX_COLUMNS`). A
    workbook that scan can vouch for is read by calamine (Rust; the read step,
    scan included, about 6 times faster than openpyxl's read-only mode on a
    100,000-row sheet); anything else by openpyxl in read-only mode, row by row.
    """
    import zipfile

    st = check_regular_file(path)
    if st.st_size > MAX_TABLE_BYTES:
        raise InputRefused("too_large", f"文件过大（{st.st_size / 2**20:,.0f} MB，上限 {MAX_TABLE_BYTES // 2**20:,} MB），未读取")
    with zipfile.ZipFile(path) as zf:
        check_archive(zf, MAX_TABLE_UNCOMPRESSED)
        plain = scan_table_sheets(zf)
    if plain:
        try:
            import python_calamine
        except ImportError:  # pragma: no cover - a dependency; openpyxl reads the same workbook
            plain = False
    return _read_xlsx_calamine(path, python_calamine) if plain else _read_xlsx_openpyxl(path)


def _check_row(sheet: str, n: int, width: int) -> None:
    if n > MAX_ROWS:
        raise InputRefused("too_large", f"工作表 {sheet} 行数过多（超过 {MAX_ROWS:,} 行），未读取")
    if width > MAX_COLUMNS:
        raise InputRefused("too_many_columns", f"工作表 {sheet} 第 {n} 行用到第 {width:,} 列"
                                               f"（上限 {MAX_COLUMNS:,} 列），未读取")


def _read_xlsx_calamine(path: Path, calamine) -> dict[str, list[tuple[str, ...]]]:  # noqa: ANN001 - module
    """Each table sheet through calamine as one block from A1 (row numbers are the sheet's), kept as text row
    by row while the block's rows are let go."""
    wb = calamine.CalamineWorkbook.from_path(str(path))
    out: dict[str, list[tuple[str, ...]]] = {}
    try:
        for title in wb.sheet_names:
            if table_for_name(title) is None:
                continue
            block = wb.get_sheet_by_name(title).to_python(skip_empty_area=False)  # from A1
            rows: list[tuple[str, ...]] = []
            for i, row in enumerate(block):
                block[i] = None  # each row's list goes as soon as its text is kept
                _check_row(title, i + 1, len(row))
                while row and row[-1] == "":  # the block is padded to its widest row
                    row.pop()
                rows.append(tuple(v if isinstance(v, str) else _cell_text(v) for v in row) if row else _EMPTY)
            while rows and not rows[-1]:
                rows.pop()
            out[title] = rows
    finally:
        wb.close()
    return out


def _read_xlsx_openpyxl(path: Path) -> dict[str, list[tuple[str, ...]]]:
    """Row by row through openpyxl's read-only mode; the declared dimension is ignored
    (a stray ``<dimension ref="A1:XFD1048576">`` would pad every row)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    out: dict[str, list[tuple[str, ...]]] = {}
    try:
        for ws in wb.worksheets:
            if table_for_name(ws.title) is None:
                continue
            ws.reset_dimensions()
            rows: list[tuple[str, ...]] = []
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                _check_row(ws.title, n, len(row))
                rows.append(tuple(_cell_text(v) for v in row) if row else _EMPTY)
            out[ws.title] = rows
    finally:
        wb.close()
    return out


def _refusal(exc: InputRefused, file: str, table: str, expected: str) -> Problem:
    return Problem(exc.code, file, table, None, None, None, expected, exc.reason)


def _collect_sources(path: Path, problems: list[Problem]) -> dict[str, tuple[str, _RawTable | None]]:
    """table name -> (source label, cells incl. header; None when the file was refused)."""
    found: dict[str, tuple[str, _RawTable | None]] = {}
    if path.is_dir():
        files = sorted(path.iterdir())
        # a folder of .parquet files is a Parquet dataset; CSV files beside them are not read twice
        kind = ".parquet" if any(f.suffix.lower() == ".parquet" for f in files) and not any(
            f.suffix.lower() == ".csv" and table_for_name(f.stem) for f in files) else ".csv"
        for f in files:
            if f.suffix.lower() != kind:
                continue
            table = table_for_name(f.stem)
            if table is None:
                continue
            if table in found:
                problems.append(Problem(ProblemCode.DUPLICATE_COLUMN.value, f.name, table, None, None, None,
                                        "每张表只有一个文件", f"表 {table} 另有文件 {found[table][0]}，本文件未读取"))
                continue
            try:
                found[table] = (f.name, _read_csv_table(f) if kind == ".csv" else _raw_table(_read_parquet_rows(f)))
            except ImportError:
                raise
            except InputRefused as exc:
                problems.append(_refusal(exc, f.name, table, "UTF-8（可带 BOM）或 GBK 编码的普通 CSV 文件，在限额之内"))
                found[table] = (f.name, None)  # refused: one problem, not also "missing table"
            except Exception as exc:  # noqa: BLE001 - any unreadable file is a reported problem
                expected = "UTF-8（可带 BOM）或 GBK 编码的 CSV 文件" if kind == ".csv" else "可以读取的 Parquet 文件"
                problems.append(Problem(ProblemCode.UNREADABLE_FILE.value, f.name, table, None, None, None,
                                        expected, f"无法读取：{type(exc).__name__}: {exc}"))
    else:
        try:
            sheets = _read_xlsx(path)
        except InputRefused as exc:
            raise DatasetError([_refusal(exc, path.name, "", "可以打开的 .xlsx 工作簿，在限额之内")], str(path)) from None
        for sheet, rows in sheets.items():
            table = table_for_name(sheet)
            if table is not None and table not in found:
                found[table] = (f"{path.name}:{sheet}", _raw_table(rows))
    return found


# ---------------------------------------------------------------------------
# parsing cells

#: cells that stand for "nothing written" in a number column: kept as raw text, parsed as blank
#: a number as plain ASCII decimal text: read as ``float`` reads it (see :meth:`_TableReader.numbers`)
_PLAIN_DECIMAL = r"-?[0-9]{1,15}(?:\.[0-9]{1,10})?"
_PLAIN_DECIMAL_RE = re.compile(_PLAIN_DECIMAL)
PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "无", "／", "－"})

_YEAR_RE = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*(?:年度?|年)?\s*$")


def _blank(s: str | None) -> bool:
    return s is None or not str(s).replace("\u3000", " ").strip()


def _clean(s: str) -> str:
    return str(s).replace("\u3000", " ").strip()


#: a cell to clean: whitespace at either end of a cell (cells joined by NUL) or an ideographic space anywhere
_NEEDS_CLEAN = re.compile(r"(?:^|\x00)\s|\s(?:\x00|$)|\u3000")


def _clean_column(cells: list[str]) -> list[str]:
    """:func:`_clean` of every cell of a column; one regex scan finds a column with
    nothing to clean (``\\s`` is what :meth:`str.strip` strips), which is then returned itself."""
    if not _NEEDS_CLEAN.search("\x00".join(cells)):
        return cells
    return [c.replace("\u3000", " ").strip() for c in cells]


class _TableReader:
    """Parse one table's rows into a frame, recording problems."""

    def __init__(self, spec: TableSpec, label: str, table: _RawTable, problems: list[Problem]):
        self.spec, self.label, self.problems = spec, label, problems
        self.table: _RawTable | None = table

    def problem(self, code: ProblemCode, row: int | None, column: str | None, raw: str | None, expected: str, message: str) -> None:
        self.problems.append(self._problem(code, row, column, raw, expected, message))

    def _problem(self, code: ProblemCode, row: int | None, column: str | None, raw: str | None, expected: str,
                 message: str) -> Problem:
        return Problem(code.value, self.label, f"{self.spec.name}（{self.spec.zh}）", row, column, raw, expected, message)

    def read(self) -> pd.DataFrame | None:
        """The table's frame, column by column: only flagged cells are visited one at a time."""
        spec = self.spec
        raw = self.table.cells
        nrows = len(raw)
        # each column's cells as lists of cleaned text (the one pass over every cell), and their lengths
        clean = [_clean_column(raw[i].tolist()) for i in raw.columns]
        lens = [np.fromiter(map(len, col), dtype=np.int64, count=nrows) for col in clean]
        filled = np.column_stack([n > 0 for n in lens]) if lens else np.zeros((nrows, 0), dtype=bool)
        nonblank = np.flatnonzero(filled.any(axis=1))
        if not len(nonblank):
            self.problem(ProblemCode.MISSING_COLUMN, None, None, None, "第一行是表头：" + "、".join(spec.names), "文件为空")
            return None
        first = int(nonblank[0])
        width = self.table.width
        header = raw.iloc[first, :width].tolist()
        if len(header) > MAX_COLUMNS:
            self.problem(ProblemCode.TOO_MANY_COLUMNS, 1, None, f"{len(header):,} 列", f"表头不超过 {MAX_COLUMNS:,} 列",
                         "表头列数过多，本表未读取")
            return None
        hmap = header_map(spec)
        colmap: dict[int, str] = {}
        extra: dict[int, str] = {}
        reserved = _reserved_columns(spec)
        for i, h in enumerate(header):
            if _blank(h):
                continue
            name = hmap.get(norm_label(h))
            if name is None:
                extra[i] = _extra_name(_clean(h), reserved)
                reserved.add(extra[i].casefold())
            elif name in colmap.values():
                self.problem(ProblemCode.DUPLICATE_COLUMN, 1, _clean(h), None, "每列只出现一次", f"列 {name} 重复")
            else:
                colmap[i] = name
        missing = [c for c in spec.columns if c.required and c.name not in colmap.values()]
        for c in missing:
            self.problem(ProblemCode.MISSING_COLUMN, 1, c.name, None, f"列 {c.name}（{c.zh}）",
                         f"缺少必需列；表头为：{', '.join(_clean(h) for h in header if not _blank(h))}")
        if missing:
            return None
        keep = nonblank[nonblank > first]  # rows after the header with any cell written
        body_filled = filled[keep]
        rows_no = (keep - first + 1).tolist()  # 1-based, the header is row 1
        flagged: list[tuple[int, int, int, Problem]] = []  # (row, order, column, problem): reported row by row
        if len(clean) > width:
            beyond = body_filled[:, width:]
            for k in np.flatnonzero(beyond.any(axis=1)).tolist():
                i = width + int(np.argmax(beyond[k]))
                flagged.append((rows_no[k], 0, i, self._problem(
                    ProblemCode.EXTRA_CELLS, rows_no[k], f"第{i + 1}列（表头之外）", _shorten(clean[i][keep[k]]),
                    f"每行最多 {width} 列（与表头对齐）", f"有 {int(beyond[k].sum())} 个单元格在表头之外，无法归入任何列")))
        for i, col in enumerate(clean):
            long = np.flatnonzero(lens[i] > MAX_CELL_CHARS)
            column = colmap.get(i) or extra.get(i) or f"第{i + 1}列（表头之外）"
            for k in long[long > first].tolist():
                cell, row = col[k], k - first + 1
                flagged.append((row, 1, i, self._problem(
                    ProblemCode.CELL_TOO_LONG, row, column, _shorten(cell),
                    f"不超过 {MAX_CELL_CHARS:,} 个字符", f"单元格过长（{len(cell):,} 个字符），未读取")))
                col[k] = ""
        self.problems.extend(p for *_, p in sorted(flagged, key=lambda f: f[:3]))
        n = len(keep)
        self.table = None  # the cells are let go as the columns are built
        del raw, lens, filled, body_filled
        at = keep.tolist()

        def column_values(i: int) -> list[str | None]:
            if i >= len(clean):
                return [None] * n
            col = clean[i]
            return [col[k] or None for k in at]

        out = {"source": [self.label] * n, "source_row": rows_no}
        raw_cols: dict[str, list] = {name: column_values(i) for i, name in colmap.items()}
        extra_cols: dict[str, list] = {name: column_values(i) for i, name in extra.items()}
        for name in spec.names:
            if name not in colmap.values():
                raw_cols[name] = [None] * len(out["source_row"])
        frame: dict[str, object] = {}
        unit_factor: list[float] = []
        if "unit" in spec.names:
            units: dict[str, float | None] = {}
            for r, raw in zip(out["source_row"], raw_cols["unit"]):
                if raw is None:
                    unit_factor.append(1.0)
                    continue
                if raw not in units:
                    units[raw] = UNIT_ALIASES.get(norm_label(raw))
                if units[raw] is not None:
                    unit_factor.append(units[raw])
                else:
                    unit_factor.append(float("nan"))
                    self.problem(ProblemCode.BAD_UNIT, r, "unit", raw, "万元 或 元", "无法识别的金额单位")
        for c in spec.columns:
            raws = raw_cols[c.name]
            if c.required:
                for r, raw in zip(out["source_row"], raws):
                    if raw is None:
                        self.problem(ProblemCode.MISSING_VALUE, r, c.name, None, f"{c.zh}不能为空", "必填项为空")
            if c.kind in ("key", "text"):
                frame[c.name] = pd.array(raws, dtype=STR)
            elif c.kind == "unit":
                frame["unit_raw"] = pd.array(raws, dtype=STR)
            elif c.kind == "year":
                vals = []
                years: dict[str, int | None] = {}
                for r, raw in zip(out["source_row"], raws):
                    if raw is None:
                        vals.append(None)
                        continue
                    if raw not in years:
                        m = _YEAR_RE.match(raw)
                        years[raw] = int(m.group(1)) if m else None
                    if years[raw] is None:
                        self.problem(ProblemCode.BAD_YEAR, r, c.name, _shorten(raw), "四位年份，如 2021", "年度无法识别")
                    vals.append(years[raw])
                frame[c.name] = pd.array(vals, dtype="Int64")
            else:  # money, count, number
                vals = self.numbers(raws, out["source_row"], c)
                if c.kind == "money":  # in 万元, at most 10 decimals (Python's round, over the whole column)
                    money = np.array([np.nan if v is None else v for v in vals], dtype=float)
                    vals = round_each(money * np.asarray(unit_factor, dtype=float), 10)
                frame[c.name] = pd.array(vals, dtype="Int64" if c.kind == "count" else "Float64")
                frame[c.name + "_raw"] = pd.array(raws, dtype=STR)
        df = pd.DataFrame(frame)
        df.insert(0, "source_row", pd.array(out["source_row"], dtype="Int64"))
        df.insert(0, "source", pd.array(out["source"], dtype=STR))
        if extra_cols:
            df = pd.concat([df, pd.DataFrame({k: pd.array(v, dtype=STR) for k, v in extra_cols.items()})], axis=1)
        return df

    def numbers(self, raws: list[str | None], source_rows: list[int], c) -> list[float | None]:
        """:meth:`number` of a whole column: plain decimals (the common case) converted at once, the rest cell by cell.

        A plain decimal (``123.4567``, ``-5``) reads as ``float`` reads it, which is what
        :func:`~perfeval._values.parse_number` gives; the range, integer and sign rules
        are applied to the converted column, so the problems recorded are the same.
        """
        full = _PLAIN_DECIMAL_RE.fullmatch
        plain = np.fromiter((isinstance(r, str) and full(r) is not None for r in raws), dtype=bool, count=len(raws))
        vals: list[float | None] = [None] * len(raws)
        if plain.any():
            num = np.asarray(pd.to_numeric(np.array(raws, dtype=object)[plain]), dtype=float)
            ok = np.abs(num) <= MAX_ABS_NUMBER
            if c.kind == "count":
                ok &= num == np.trunc(num)
            if c.kind in ("money", "count"):
                ok &= num >= 0
            for k, v in zip(np.flatnonzero(plain)[ok].tolist(), num[ok].tolist()):
                vals[k] = v
            plain[np.flatnonzero(plain)[~ok]] = False  # left to number(): it records the problem
        seen: dict[str | None, float | None] = {}  # raw text -> number, for values without a problem
        for k in np.flatnonzero(~plain).tolist():
            raw = raws[k]
            if raw in seen:
                vals[k] = seen[raw]
                continue
            v = self.number(raw, source_rows[k], c)
            if v is not None or raw is None:
                seen[raw] = v
            vals[k] = v
        return vals

    def number(self, raw: str | None, r: int, c) -> float | None:
        """The number in a money/count/number cell, or None with the row's problem recorded."""
        if raw is None or raw.strip() in PLACEHOLDERS:
            return None
        what = {"money": "金额（数字，单位万元或元）", "count": "人数（整数）", "number": "数字"}[c.kind]
        try:
            v = parse_number(raw)
        except ValueError:
            self.problem(ProblemCode.BAD_NUMBER, r, c.name, _shorten(raw), what, "不是数字")
            return None
        if v is None:
            return None
        if abs(v) > MAX_ABS_NUMBER:
            self.problem(ProblemCode.BAD_NUMBER, r, c.name, _shorten(raw), f"{what}，绝对值不超过 {MAX_ABS_NUMBER:.0e}",
                         "数值过大（超出可计算的范围）")
            return None
        if c.kind == "count" and float(v) != int(v):
            self.problem(ProblemCode.BAD_NUMBER, r, c.name, raw, "人数（整数）", "人数不是整数")
            return None
        if c.kind in ("money", "count") and v < 0:
            self.problem(ProblemCode.NEGATIVE_VALUE, r, c.name, raw, "不小于 0 的数", "出现负数")
        return v

def _shorten(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + f"…（共 {len(text):,} 个字符）"


def _reserved_columns(spec: TableSpec) -> set[str]:
    """Column names the loaded frame uses itself (contract, parsed, raw and provenance columns)."""
    names = set(spec.names) | {"source", "source_row", "origin", "unit_raw"} | set(_EXTRA.get(spec.name, ()))
    names |= {n + "_raw" for n in spec.names}
    return {n.casefold() for n in names}


def _extra_name(name: str, taken: set[str]) -> str:
    """An extra column's name, made distinct when it is one the loader uses (``source`` → ``extra:source``).

    >>> _extra_name("source", {"source"})
    'extra:source'
    >>> _extra_name("备注2", {"source"})
    '备注2'
    """
    base = name if name.casefold() not in taken else f"extra:{name}"
    candidate, n = base, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{base}~{n}"
    return candidate


def _empty_frame(spec: TableSpec) -> pd.DataFrame:
    cols: dict[str, pd.Series] = {"source": pd.Series(dtype=STR), "source_row": pd.Series(dtype="Int64")}
    for c in spec.columns:
        if c.kind in ("key", "text"):
            cols[c.name] = pd.Series(dtype=STR)
        elif c.kind == "unit":
            cols["unit_raw"] = pd.Series(dtype=STR)
        elif c.kind == "year":
            cols[c.name] = pd.Series(dtype="Int64")
        else:
            cols[c.name] = pd.Series(dtype="Int64" if c.kind == "count" else "Float64")
            cols[c.name + "_raw"] = pd.Series(dtype=STR)
    return pd.DataFrame(cols)


# ---------------------------------------------------------------------------
# derived columns and cross-table checks


def _finish_departments(df: pd.DataFrame) -> pd.DataFrame:
    text = df["name"].fillna("") + " " + df["note"].fillna("")
    return df.assign(is_example=text.str.contains("示例", regex=False).astype(bool))


def _canonical_items(values: Iterable[object]) -> dict[str, str]:
    """canonical_item of each distinct label, computed once (a province repeats a few dozen labels)."""
    return {v: canonical_item(v) for v in set(values) if isinstance(v, str)}


def _finish_finance(df: pd.DataFrame, reader: _TableReader | None) -> pd.DataFrame:
    canon = _canonical_items([*df["item"].tolist(), *df["parent"].tolist()])
    items = [canon[i] if isinstance(i, str) else None for i in df["item"].tolist()]
    parents_in = [p if isinstance(p, str) else None for p in df["parent"].tolist()]
    parents: list[str | None] = []
    present: dict[tuple[object, object], set[str]] = {}
    dept_list, year_list = df["dept_id"].tolist(), df["year"].tolist()
    for d, y, i in zip(dept_list, year_list, items):
        if isinstance(i, str):
            present.setdefault((d, y), set()).add(i)
    for k, (d, y, item, parent) in enumerate(zip(dept_list, year_list, items, parents_in)):
        if isinstance(parent, str) and parent:
            parents.append(canon[parent])
        elif item in FINANCE_VOCABULARY:
            parents.append(default_parent(item, present.get((d, y), set())))
        else:
            parents.append(None)
            if reader is not None and isinstance(item, str):
                reader.problem(ProblemCode.MISSING_PARENT, int(df["source_row"].iloc[k]), "parent", item,
                               "词表外的科目须填写上级科目（parent）", f"科目「{item}」不在词表中且未填上级科目")
    df = df.assign(item=pd.array(items, dtype=STR), parent=pd.array(parents, dtype=STR))
    # parent must exist in the vocabulary or as an item of the same dept-year
    known = set(FINANCE_VOCABULARY)
    # per dept-year: its items, and item -> parent (the vocabulary's, overridden by the rows')
    chains: dict[tuple[object, object], dict[str, str | None]] = {}
    by_key: dict[tuple[object, object], set[str]] = {}
    dept_ids = df["dept_id"].tolist()
    years = [None if pd.isna(y) else int(y) for y in df["year"].tolist()]
    source_rows = df["source_row"].tolist()
    for d, y, i, p in zip(dept_ids, years, items, parents):
        chain = chains.setdefault((d, y), {**FINANCE_VOCABULARY})
        members = by_key.setdefault((d, y), set())
        if isinstance(i, str):
            chain[i] = p if isinstance(p, str) else None
            members.add(i)
    splits = []
    for d, y, item, parent, r in zip(dept_ids, years, items, parents, source_rows):
        if isinstance(parent, str) and parent not in known and parent not in by_key[(d, y)]:
            if reader is not None:
                reader.problem(ProblemCode.UNKNOWN_PARENT, int(r), "parent", parent,
                               "词表中的科目或同一部门同一年度已有的科目", f"上级科目「{parent}」不存在")
        splits.append(item_split(item, parent if isinstance(parent, str) else None, chains[(d, y)])
                      if isinstance(item, str) else None)
    cols = ["source", "source_row", "dept_id", "year", "item", "parent"]
    df = df.assign(split=pd.array(splits, dtype=STR))
    if "unit_raw" not in df.columns:
        df["unit_raw"] = pd.array([None] * len(df), dtype=STR)
    rest = [c for c in df.columns if c not in cols]
    return df[cols + rest]


def _distinct(values: list, fn) -> list:
    """``fn`` of each value, computed once per distinct value (labels and texts repeat across a province)."""
    memo: dict = {}
    return [memo[v] if v in memo else memo.setdefault(v, fn(v)) for v in values]


def _resolve_rule(direction: object, t: ParsedValue, actual_kind: str) -> str | None:
    """The rule (指标性质) of an indicator: its written direction, else what its target says."""
    if isinstance(direction, str) and direction:
        return DIRECTION_ALIASES.get(direction.replace(" ", "").replace("\u3000", ""))
    if t.kind == "bound_only":
        return "预算"
    if t.kind == "qualitative" or (t.kind == "empty" and actual_kind == "qualitative"):
        return "定性"
    if t.kind == "quantitative":
        return "≤" if t.op in ("≤", "<") else ("=" if t.op == "=" else "≥")
    return None


def _finish_indicators(df: pd.DataFrame, reader: _TableReader | None) -> pd.DataFrame:
    """Parse targets and achieved values: each distinct text once (an achieved value with its target's unit)."""
    nan_none = lambda v: v if isinstance(v, str) else None  # noqa: E731
    target_raw = [nan_none(v) for v in df["target"].tolist()]
    parsed_target = {t: parse_value(t) for t in set(target_raw)}
    targets = [parsed_target[t] for t in target_raw]
    actual_raw = [nan_none(v) for v in df["actual"].tolist()]
    # keyed by the raw texts (cheap to hash), not by the parsed values
    actuals = _distinct(list(zip(actual_raw, target_raw)), lambda at: parse_value(
        at[0], reference_unit=parsed_target[at[1]].unit, reference_value=parsed_target[at[1]].value))
    directions = df["direction"].tolist()
    rule = _distinct(list(zip(directions, target_raw, [a.kind for a in actuals])),
                     lambda x: _resolve_rule(x[0], parsed_target[x[1]], x[2]))
    if reader is not None:
        for d, r, row in zip(directions, rule, df["source_row"].tolist()):
            if r is None and isinstance(d, str) and d:
                reader.problem(ProblemCode.BAD_DIRECTION, int(row), "direction", d,
                               "≥、≤、= 或 定性（也可写 正向、反向）", "指标性质无法识别")
    seq = df.groupby(["dept_id", "year"], dropna=False).cumcount() + 1 if len(df) else pd.Series(dtype="Int64")
    return df.assign(
        seq=pd.array(seq.to_numpy(), dtype="Int64"),
        target_kind=pd.array([t.kind for t in targets], dtype=STR),
        target_op=pd.array([t.op for t in targets], dtype=STR),
        target_value=pd.array([t.value for t in targets], dtype="Float64"),
        target_unit=pd.array([t.unit for t in targets], dtype=STR),
        actual_kind=pd.array([a.kind for a in actuals], dtype=STR),
        actual_op=pd.array([a.op for a in actuals], dtype=STR),
        actual_value=pd.array([a.value for a in actuals], dtype="Float64"),
        actual_unit=pd.array([a.unit for a in actuals], dtype=STR),
        actual_vague=pd.array([bool(a.vague) if a.kind != "empty" else False for a in actuals], dtype="boolean"),
        rule=pd.array(rule, dtype=STR),
    )


def _finish_evaluations(df: pd.DataFrame) -> pd.DataFrame:
    def rate(raw: object) -> float | None:
        p = parse_value(raw)
        if p.kind == "quantitative" and p.value is not None:
            return p.value / 100 if p.unit == "%" else (p.value if p.value <= 1.5 else p.value / 100)
        return None

    vals = _distinct(df["execution_rate"].tolist(), rate)
    return df.assign(execution_rate_value=pd.array(vals, dtype="Float64"))


#: which column identifies a row within a dept-year in ``provenance.csv`` (written by ``perfeval import``)
_PROVENANCE_KEY = {"finance": "item", "indicators": "seq", "goals": "seq", "staffing": None, "evaluations": None}
PROVENANCE_FILE = "provenance.csv"


def _attach_origin(frames: dict[str, pd.DataFrame], folder: Path | None) -> dict[str, pd.DataFrame]:
    """Add ``origin``: where each row came from in the original report, when known.

    ``perfeval import`` writes ``provenance.csv`` beside the tables (one row per
    imported value: file, table of the report, row). The first place recorded for
    a row's facts becomes its ``origin`` ("网信办.docx 表2 第11行"); rows typed in
    by hand, or datasets without that file, get NA. An unreadable provenance file
    is ignored: it only adds places, it never changes values.
    """
    lookup: dict[tuple[str, str, str, str], str] = {}
    path = folder / PROVENANCE_FILE if folder is not None else None
    if path is not None and path.is_file():
        try:
            prov = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            prov = pd.DataFrame()
        need = {"table", "dept_id", "year", "key", "file", "doc_table", "row"}
        if need <= set(prov.columns):
            lines = prov["line"] if "line" in prov.columns else pd.Series("", index=prov.index)
            cols = prov[["table", "dept_id", "year", "key", "file", "doc_table", "row"]].assign(line=lines)
            for t, d, y, k, f, dt, r, ln in cols.itertuples(index=False, name=None):
                place = f"{f} {dt}" + (f" 第{r}行" if r else "") + (f"（文本第{ln}行）" if ln else "")
                lookup.setdefault((t, d, y, k), place)
    out = dict(frames)
    for name, keycol in _PROVENANCE_KEY.items():
        df = frames[name]
        if lookup and len(df):
            keys = df[keycol].astype(STR).fillna("") if keycol else pd.Series("", index=df.index)
            origin = [lookup.get((name, str(d), "" if pd.isna(y) else str(int(y)), str(k)))
                      for d, y, k in zip(df["dept_id"], df["year"], keys)]
        else:
            origin = [None] * len(df)
        out[name] = df.assign(origin=pd.array(origin, dtype=STR))
    return out


def _repeated_keys(columns: list[np.ndarray]) -> np.ndarray:
    """Rows whose key (these aligned object columns, ``None`` = blank) repeats an earlier row's.

    A key with a blank part never counts. Integer codes, not a frame's ``duplicated``: the
    same answer without its fixed cost on a small table.
    """
    n = len(columns[0])
    code = np.zeros(n, dtype=np.int64)
    blank = np.zeros(n, dtype=bool)
    for col in columns:
        c, uniq = pd.factorize(col, use_na_sentinel=True)
        blank |= c < 0
        code = pd.factorize(code * (len(uniq) + 1) + c)[0].astype(np.int64)  # re-coded: no overflow
    order = np.argsort(code, kind="stable")
    later = order[1:][code[order][1:] == code[order][:-1]]
    dup = np.zeros(n, dtype=bool)
    dup[later] = True
    return dup & ~blank


def _check_keys(name: str, df: pd.DataFrame, spec: TableSpec, problems: list[Problem], depts: set[str] | None) -> None:
    if spec.key and len(df):
        # Select rows only when some are wrong: on a clean table neither the copy nor itertuples is paid.
        dup = _repeated_keys([df[k].array.to_numpy(dtype=object, na_value=None) for k in spec.key])
        for row in df[dup].itertuples(index=False) if dup.any() else ():
            key = "、".join(str(getattr(row, k)) for k in spec.key)
            problems.append(Problem(ProblemCode.DUPLICATE_KEY.value, row.source, f"{spec.name}（{spec.zh}）", int(row.source_row),
                                    "、".join(spec.key), key, f"（{'、'.join(spec.key)}）每个组合只有一行", "重复的行"))
    if depts is not None and name != "departments" and len(df):
        ids = df["dept_id"].array.to_numpy(dtype=object, na_value=None)
        bad = (pd.Index(list(depts), dtype=object).get_indexer(ids) < 0) & ~pd.isna(ids)
        for row in df[bad].itertuples(index=False) if bad.any() else ():
            problems.append(Problem(ProblemCode.UNKNOWN_DEPT.value, row.source, f"{spec.name}（{spec.zh}）", int(row.source_row),
                                    "dept_id", row.dept_id, "departments 表中已有的部门编码", "部门编码未在部门表中登记"))


def load(path: str | os.PathLike[str] | None = None) -> Dataset:
    """Load a dataset from a CSV folder or an .xlsx workbook.

    Parameters
    ----------
    path
        A folder of CSV files (``departments.csv`` or ``部门.csv`` …), a folder of
        Parquet files with the same names (``finance.parquet`` …), or an .xlsx
        workbook whose sheets carry the same names. ``None`` loads the embedded
        default dataset (``data/default``).

    Returns
    -------
    Dataset
        Tidy frames with raw text and provenance; see :class:`Dataset`.

    Raises
    ------
    DatasetError
        Listing every problem of every file (file, table, row, column, raw
        value, what was expected), or a missing path.

    Examples
    --------
    >>> ds = load()
    >>> sorted(ds.tables())
    ['departments', 'evaluations', 'finance', 'goals', 'indicators', 'staffing']
    >>> int(ds.staffing.query("dept_id == 'hyx-wxb'")["quota"].iloc[0])
    19
    """
    p = Path(path) if path is not None else DEFAULT_DATASET
    label = str(p)
    if not p.exists():
        raise DatasetError([Problem(ProblemCode.UNREADABLE_FILE.value, label, "", None, None, None,
                                    "CSV 文件夹或 .xlsx 工作簿的路径", "路径不存在")], label)
    if p.is_file() and p.suffix.lower() not in (".xlsx", ".xlsm"):
        raise DatasetError([Problem(ProblemCode.UNREADABLE_FILE.value, p.name, "", None, None, None,
                                    "CSV 文件夹或 .xlsx 工作簿", "不是数据集（单个报告文件请用 perfeval import 导入）")], label)
    problems: list[Problem] = []
    try:
        sources = _collect_sources(p, problems)
    except DatasetError:
        raise
    except Exception as exc:  # corrupt workbook, permission …
        raise DatasetError([Problem(ProblemCode.UNREADABLE_FILE.value, p.name, "", None, None, None,
                                    "可以打开的 .xlsx 工作簿", f"无法读取：{type(exc).__name__}: {exc}")], label) from exc
    frames: dict[str, pd.DataFrame] = {}
    readers: dict[str, _TableReader] = {}
    read = set(sources)
    for name in TABLE_ORDER:
        spec = TABLES[name]
        if name not in sources:
            if spec.required:
                problems.append(Problem(ProblemCode.MISSING_TABLE.value, label, f"{spec.name}（{spec.zh}）", None, None, None,
                                        f"文件 {spec.name}.csv（或 {spec.zh}.csv / 同名工作表）", "缺少必需的表"))
            frames[name] = _empty_frame(spec)
            continue
        src_label, rows = sources.pop(name)
        if rows is None:
            frames[name] = _empty_frame(spec)
            continue
        reader = _TableReader(spec, src_label, rows, problems)
        readers[name] = reader
        df = reader.read()
        frames[name] = df if df is not None else _empty_frame(spec)
    frames["departments"] = _finish_departments(frames["departments"])
    frames["finance"] = _finish_finance(frames["finance"], readers.get("finance"))
    frames["indicators"] = _finish_indicators(frames["indicators"], readers.get("indicators"))
    frames["evaluations"] = _finish_evaluations(frames["evaluations"])
    frames["goals"] = frames["goals"].assign(
        seq=pd.array(list(frames["goals"].groupby(["dept_id", "year"], dropna=False).cumcount() + 1), dtype="Int64")
        if len(frames["goals"]) else pd.array([], dtype="Int64"))
    frames = _attach_origin(frames, p if p.is_dir() else None)
    frames, projects = _split_projects(frames)
    depts = set(frames["departments"]["dept_id"].dropna()) if "departments" in read else None
    for name in TABLE_ORDER:
        _check_keys(name, frames[name], TABLES[name], problems, depts)
    if problems:
        raise DatasetError(problems, label)
    del readers, sources
    release_memory(sum(len(df) for df in frames.values()))  # the parser's temporaries
    return Dataset(**frames, source=label, projects=projects)


def _split_projects(frames: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Move project-form rows (``project`` not blank) out of the department frames; renumber ``seq``."""
    projects: dict[str, pd.DataFrame] = {}
    out = dict(frames)
    for name, df in frames.items():
        if "project" not in df.columns:
            continue
        is_proj = df["project"].notna().to_numpy(dtype=bool)
        if not is_proj.any():
            continue
        dept, proj = df[~is_proj].reset_index(drop=True), df[is_proj].reset_index(drop=True)
        if "seq" in df.columns:
            dept = dept.assign(seq=pd.array(list(dept.groupby(["dept_id", "year"], dropna=False).cumcount() + 1),
                                            dtype="Int64"))
            proj = proj.assign(seq=pd.array(list(proj.groupby(["dept_id", "year", "project"], dropna=False)
                                                 .cumcount() + 1), dtype="Int64"))
        out[name], projects[name] = dept, proj
    return out, projects


# ---------------------------------------------------------------------------
# writing


def contract_frames(ds: Dataset) -> dict[str, pd.DataFrame]:
    """The dataset as input-contract tables (English headers, values as written).

    Money is written back as its raw text with its unit, so a save/load round trip
    keeps every value exactly as the analyst wrote it.
    """
    out: dict[str, pd.DataFrame] = {}
    for name in TABLE_ORDER:
        spec = TABLES[name]
        df = getattr(ds, name)
        if name in ds.projects and len(ds.projects[name]):
            df = pd.concat([df, ds.projects[name]], ignore_index=True)
        cols = {}
        for c in spec.columns:
            if c.kind in ("money", "count", "number"):
                cols[c.name] = df[c.name + "_raw"]
            elif c.kind == "unit":
                cols[c.name] = df["unit_raw"]
            elif c.kind == "year":
                cols[c.name] = df[c.name].astype(STR)
            else:
                cols[c.name] = df[c.name]
        out[name] = pd.DataFrame(cols, index=df.index).reset_index(drop=True)
    return out


DATASET_FORMATS = ("csv", "parquet")


def save_dataset(data: Dataset | dict[str, pd.DataFrame], folder: str | os.PathLike[str],
                 format: str = "csv") -> Path:
    """Write a dataset as a folder in the input contract (atomic per file).

    ``data`` is a :class:`Dataset` or a dict of contract frames (table name ->
    frame with contract columns). ``format`` is ``"csv"`` (UTF-8) or ``"parquet"``
    (one ``<table>.parquet`` per table, every column text as written, so
    :func:`load` gives the same frames as from CSV; needs ``pyarrow``, the
    ``[parquet]`` extra). Returns the folder.
    """
    if format not in DATASET_FORMATS:
        raise ValueError(f"不支持的数据集格式：{format}（可选：{'、'.join(DATASET_FORMATS)}）")
    frames = contract_frames(data) if isinstance(data, Dataset) else data
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        if name not in TABLES:
            continue
        cols = [c for c in TABLES[name].names if c in df.columns]
        if format == "parquet":
            write_bytes_atomic(folder / f"{name}.parquet", _parquet_bytes(df[cols]))
            continue
        buf = io.StringIO()
        df[cols].to_csv(buf, index=False, lineterminator="\n")
        write_text_atomic(folder / f"{name}.csv", buf.getvalue())
    return folder


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    """A contract frame as Parquet: every column text (blank -> null), no index."""
    pq = _pyarrow_parquet()
    import pyarrow as pa

    arrays = {}
    for c in df.columns:
        values = [None if v is None or v is pd.NA or v != v or v == "" else str(v) for v in df[c].tolist()]
        arrays[c] = pa.array(values, type=pa.string())
    buf = io.BytesIO()
    pq.write_table(pa.table(arrays), buf, compression="zstd")
    return buf.getvalue()


__all__ = ["Dataset", "load", "save_dataset", "DATASET_FORMATS", "contract_frames", "TABLE_ORDER"]
