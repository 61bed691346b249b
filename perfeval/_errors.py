"""Structured errors.

Every error an analyst can meet says what was found, where (file, table, row,
column), the raw value and what was expected, in Chinese, with a stable code.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import Enum

import pandas as pd


class ProblemCode(str, Enum):
    """Stable reason codes of dataset problems (see README, 数据问题代码)."""

    UNREADABLE_FILE = "unreadable_file"
    MISSING_TABLE = "missing_table"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    MISSING_VALUE = "missing_value"
    BAD_NUMBER = "bad_number"
    BAD_YEAR = "bad_year"
    BAD_UNIT = "bad_unit"
    NEGATIVE_VALUE = "negative_value"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_DEPT = "unknown_dept"
    MISSING_PARENT = "missing_parent"
    UNKNOWN_PARENT = "unknown_parent"
    BAD_DIRECTION = "bad_direction"
    EXTRA_CELLS = "extra_cells"


@dataclass(frozen=True)
class Problem:
    """One problem found while loading a dataset."""

    code: str
    file: str
    table: str
    row: int | None
    column: str | None
    raw: str | None
    expected: str
    message: str

    def describe(self) -> str:
        """One Chinese line: where, what was found, what was expected."""
        where = [self.file]
        if self.table:
            where.append(f"表 {self.table}")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"列 {self.column}")
        raw = "" if self.raw is None else f"，原值「{self.raw}」"
        return f"[{self.code}] {'，'.join(where)}：{self.message}{raw}；应为：{self.expected}"


PROBLEM_COLUMNS = [f.name for f in fields(Problem)]


class PerfevalError(Exception):
    """Base class of every error perfeval raises on purpose."""


class DatasetError(PerfevalError):
    """A dataset could not be loaded; ``problems`` lists every problem found.

    Validation is lazy: all problems of all files are collected before raising.
    """

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems_list = list(problems)
        self.source = source
        head = f"数据集 {source} 有 {len(problems)} 处问题" if source else f"数据集有 {len(problems)} 处问题"
        lines = [p.describe() for p in problems[:50]]
        more = [f"……另有 {len(problems) - 50} 处"] if len(problems) > 50 else []
        super().__init__("\n".join([head + "："] + lines + more))

    @property
    def problems(self) -> pd.DataFrame:
        """The problems as a frame with columns code, file, table, row, column, raw, expected, message."""
        return pd.DataFrame([asdict(p) for p in self.problems_list], columns=PROBLEM_COLUMNS)


class FrameworkError(PerfevalError, ValueError):
    """A scoring framework file is missing or malformed."""


__all__ = ["Problem", "ProblemCode", "PerfevalError", "DatasetError", "FrameworkError", "PROBLEM_COLUMNS"]
