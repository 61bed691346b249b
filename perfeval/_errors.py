"""Structured errors.

Every error an analyst can meet says what was found, where (file, table, row,
column), the raw value and what was expected, in Chinese, with a stable code.

This module is also the one place that maps errors onto the ``perfeval``
command's exit codes: every :class:`PerfevalError` carries ``exit_code``
(:data:`EXIT_DATA` = 1 for data that cannot be used, :data:`EXIT_USAGE` = 2 for
bad usage), and :func:`report_error` prints it as one Chinese message.
"""
from __future__ import annotations

import signal
import sys
from dataclasses import asdict, dataclass, fields
from enum import Enum
from typing import TextIO

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
    # limits on untrusted input (perfeval._limits, docs/security.md)
    TOO_LARGE = "too_large"
    TOO_MANY_COLUMNS = "too_many_columns"
    CELL_TOO_LONG = "cell_too_long"
    COMPRESSION_BOMB = "compression_bomb"
    NOT_REGULAR_FILE = "not_regular_file"


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


#: Exit codes of the ``perfeval`` command.
EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: the signals that end a command the way SIGTERM does: SIGTERM, and SIGHUP (the terminal or SSH session
#: closed) where the platform has it; the exit code is then 128 + the signal (143, 129), as if it had ended
#: the process
TERMINATION_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class PerfevalError(Exception):
    """Base class of every error perfeval raises on purpose.

    ``exit_code`` is what the command exits with when this error ends it (data: 1).
    """

    exit_code: int = EXIT_DATA


class UsageError(PerfevalError):
    """Bad usage of the command (a path that does not exist, an unknown option value): exit code 2."""

    exit_code = EXIT_USAGE


class DataError(PerfevalError):
    """The data cannot be used for what was asked (no department has that year …): exit code 1."""


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
    """A scoring framework file is missing or malformed (the analyst chose it: exit code 2)."""

    exit_code = EXIT_USAGE


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread by the ``perfeval`` command's handler.

    Like Ctrl-C it unwinds: every ``finally`` and every ``except BaseException``
    runs (the atomic writer removes its temporary file), then the command's
    error boundary exits with 128 + the signal number (143 for SIGTERM, 129
    for SIGHUP).
    """

    def __init__(self, signum: int = 15) -> None:
        super().__init__(signum)
        self.signum = int(signum)

    @property
    def signal_name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"信号 {self.signum}"


def terminate_on_signal(signum: int, frame: object) -> None:  # noqa: ARG001 - signal handler signature
    """The ``perfeval`` command's SIGTERM/SIGHUP handler: raise :class:`Terminated` (once; further termination
    signals are ignored while the first unwinds)."""
    for sig in TERMINATION_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


def report_error(exc: BaseException, stream: TextIO | None = None) -> int:
    """Print ``exc`` as the command's Chinese message (no traceback); return its exit code.

    The one error boundary of the ``perfeval`` command: a :class:`PerfevalError`
    prints its message and exits with its ``exit_code``; anything else is an
    internal error (exit code 1) reported in one line.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> report_error(UsageError("找不到数据集：x"), buf), buf.getvalue()
    (2, 'perfeval：找不到数据集：x\\n')
    """
    stream = stream or sys.stderr
    if isinstance(exc, PerfevalError):
        message, code = str(exc), int(exc.exit_code)
    elif isinstance(exc, Terminated):
        message, code = f"已终止（收到 {exc.signal_name}；未写完的文件已删除）", 128 + exc.signum
    elif isinstance(exc, KeyboardInterrupt):
        message, code = "已中断", EXIT_INTERRUPTED
    else:
        message = (f"内部错误：{type(exc).__name__}: {exc}"
                   "（这是 perfeval 的缺陷，请连同所用命令报告；设置环境变量 PERFEVAL_DEBUG=1 可显示详细信息）")
        code = EXIT_DATA
    print(f"perfeval：{message}", file=stream)
    return code


#: Rows an Excel worksheet holds (xlsx); a writer silently drops any row past it.
EXCEL_MAX_ROWS: int = 1_048_576


class SheetTooLargeError(PerfevalError, ValueError):
    """A table does not fit in one Excel worksheet."""


def check_sheet_rows(sheet: str, rows: int, *, what: str = "") -> None:
    """Refuse to write ``rows`` rows (header included) into the worksheet ``sheet`` when they do not fit.

    >>> check_sheet_rows("资金", 1_048_577)
    Traceback (most recent call last):
    ...
    perfeval._errors.SheetTooLargeError: 工作表「资金」需写入 1,048,577 行，超过 Excel 每张工作表 1,048,576 行的上限，超出的行会丢失；请按部门或年度分开导出，或改用 CSV 数据集
    """
    if rows > EXCEL_MAX_ROWS:
        raise SheetTooLargeError(
            f"{what}工作表「{sheet}」需写入 {rows:,} 行，超过 Excel 每张工作表 {EXCEL_MAX_ROWS:,} 行的上限，"
            "超出的行会丢失；请按部门或年度分开导出，或改用 CSV 数据集")


__all__ = ["Problem", "ProblemCode", "PerfevalError", "UsageError", "DataError", "DatasetError", "FrameworkError",
           "SheetTooLargeError", "EXCEL_MAX_ROWS", "check_sheet_rows",
           "PROBLEM_COLUMNS", "EXIT_OK", "EXIT_DATA", "EXIT_USAGE", "EXIT_INTERRUPTED", "Terminated",
           "TERMINATION_SIGNALS", "terminate_on_signal", "report_error"]
