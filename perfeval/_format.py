"""Numbers at the precision of their kind: the one home of rounding and number formats.

Every number perfeval shows belongs to a *kind*, and the kind fixes its precision:

========  ==========================================  ====================
kind      what                                        shown as
========  ==========================================  ====================
money     amounts in 万元                              4 decimals: 85.4561
rate      fractions (执行率, 占比, 完成比 …)            percent, 2 decimals: 99.56%
score     scores and weights (分)                      2 decimals: 98.36
count     people, items                               whole: 12
year      years                                       whole: 2021
========  ==========================================  ====================

Machine formats (CSV, JSON) keep rates as fractions rounded to the same
precision (``0.9956`` is 99.56%). Sums are taken at the precision of their
inputs (:func:`exact_sum`), so no binary-float tail (``98.82000000000001``)
reaches a frame, a table, a narrative or a workbook.

The narrative helpers (:func:`fmt_wan`, :func:`fmt_pct`, :func:`fmt_score`,
:func:`fmt_count`) live here and are re-exported by :mod:`perfeval.narrative`.
:func:`csv_safe` neutralises spreadsheet formulas in text cells of CSV output.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from perfeval._values import is_missing

__all__ = [
    "DECIMALS", "COLUMN_KINDS", "MISSING", "is_blank", "decimals_of", "exact_sum", "round_kind",
    "round_frame", "fmt_number", "fmt_trim", "fmt_wan", "fmt_signed_wan", "fmt_pct", "fmt_score",
    "fmt_count", "csv_safe", "csv_safe_text",
]

#: Decimals each kind is shown with (``rate``: decimals of the percentage).
DECIMALS: dict[str, int] = {"money": 4, "rate": 2, "score": 2, "count": 0, "year": 0}

#: What a blank (unknown) value reads as in text.
MISSING = "未填报"

#: Kind of every numeric column of the frames the library returns (metrics, scorecard).
COLUMN_KINDS: dict[str, str] = {
    # metrics()
    "budget_initial": "money", "budget_adjusted": "money", "actual": "money", "carryover": "money",
    "prior_actual": "money", "yoy_change": "money", "personnel": "money", "public": "money",
    "basic": "money", "project": "money", "per_capita_actual": "money",
    "execution_rate": "rate", "execution_rate_initial": "rate", "adjustment_rate": "rate",
    "yoy_rate": "rate", "personnel_share": "rate", "staff_control_rate": "rate",
    "staff_quota": "count", "staff_actual": "count", "staff_retired": "count",
    # item_metrics()
    "initial_budget": "money", "adjusted_budget": "money", "actual_rollup": "money",
    # rescore(): totals, categories, indicators
    "execution_weight": "score", "execution_score_reported": "score", "execution_score": "score",
    "total_weight": "score", "total_reported": "score", "total_items_reported": "score", "total": "score",
    "declared_weight": "score", "weight_sum": "score", "reported_score": "score", "score": "score",
    "weight": "score", "weight_missing": "count", "unscored": "count", "ratio": "rate", "seq": "count",
    "year": "year", "source_row": "count",
}


#: True for ``None``, ``NA``, ``NaN`` and ``NaT``: the one NA helper (:func:`perfeval._values.is_missing`).
is_blank = is_missing


def _stored_decimals(kind: str) -> int:
    """Decimals a value of ``kind`` is stored with (rates are fractions: percent decimals + 2)."""
    return DECIMALS[kind] + 2 if kind == "rate" else DECIMALS[kind]


def decimals_of(x: float, cap: int = 10) -> int:
    """Decimals in the shortest text of ``x`` (``0.38`` → 2), at most ``cap``.

    Examples
    --------
    >>> decimals_of(0.38), decimals_of(12.0), decimals_of(1e-05), decimals_of(0.1 + 0.2)
    (2, 0, 5, 10)
    """
    text = repr(float(x))
    if "e" in text or "E" in text:
        mantissa, exp = re.split("[eE]", text)
        frac = mantissa.split(".")[1].rstrip("0") if "." in mantissa else ""
        return max(0, min(cap, len(frac) - int(exp)))
    frac = text.split(".")[1].rstrip("0") if "." in text else ""
    return min(cap, len(frac))


def exact_sum(values: Iterable[Any], *, min_count: int = 1) -> float | None:
    """Sum at the precision of the inputs: ``98.82``, never ``98.82000000000001``.

    Blanks are skipped; fewer than ``min_count`` known values give ``None``
    (``min_count=0``: an empty sum is 0).

    Examples
    --------
    >>> sum([9.9, 88.92]), exact_sum([9.9, 88.92])
    (98.82000000000001, 98.82)
    >>> exact_sum([None, pd.NA]), exact_sum([], min_count=0)
    (None, 0.0)
    """
    known = [float(v) for v in values if not is_blank(v)]
    if len(known) < min_count:
        return None
    if not known:
        return 0.0
    places = max(decimals_of(v) for v in known if math.isfinite(v)) if all(map(math.isfinite, known)) else None
    total = math.fsum(known)
    return total if places is None else round(total, places) + 0.0


_POW10 = np.array([float(10 ** i) for i in range(23)])  # exact doubles


def round_each(x: np.ndarray, decimals: int | np.ndarray) -> np.ndarray:
    """Python's ``round(v, d)`` of each value (numpy's rounding differs at halves); ``decimals`` one or per value.

    Whole-array arithmetic where it is provably the same: ``v·10^d`` (one rounding) is
    far enough from a half that the nearest integer ``k`` is the one Python finds, and
    ``k / 10^d`` (exact operands, one correctly rounded division) is the double
    nearest the decimal, which is what Python returns. Values near a half, huge
    values and odd ``d`` go through Python's ``round``, once per distinct value.
    """
    x = np.asarray(x, dtype=float)
    d = np.broadcast_to(np.asarray(decimals, dtype=np.int64), x.shape)
    out = np.full(len(x), np.nan)
    ok = ~np.isnan(x)
    d_ok = (d >= 0) & (d < len(_POW10))
    scale = _POW10[np.where(d_ok, d, 0)]
    with np.errstate(invalid="ignore", over="ignore"):
        y = x * scale
        low = np.floor(y)
        frac = y - low
        fast = ok & d_ok & (np.abs(y) < 2.0 ** 50) & (np.abs(frac - 0.5) > np.abs(y) * 4e-16 + 1e-9)
        res = np.where(frac < 0.5, low, low + 1) / scale
    out[fast] = np.where(res[fast] == 0, np.copysign(0.0, x[fast]), res[fast])
    slow = ok & ~fast
    if slow.any():
        if np.ndim(decimals) == 0:
            uniq, inv = np.unique(x[slow], return_inverse=True)
            out[slow] = np.array([round(float(u), int(decimals)) for u in uniq], dtype=float)[inv]
        else:
            codes, uniq = pd.factorize(pd.MultiIndex.from_arrays([x[slow], d[slow]]))
            out[slow] = np.array([round(float(u), int(p)) for u, p in uniq], dtype=float)[codes]
    return out


def round_kind(x: Any, kind: str) -> Any:
    """``x`` rounded at the precision of ``kind`` (rates as fractions); blank stays blank.

    Examples
    --------
    >>> round_kind(7.121341666666667, "money"), round_kind(0.995572958230861, "rate")
    (7.1213, 0.9956)
    >>> round_kind(98.355, "score"), round_kind(None, "score")
    (98.36, None)
    """
    if is_blank(x):
        return x
    if kind in ("count", "year"):
        return int(round(float(x)))
    return _half_up(float(x), _stored_decimals(kind))


def _half_up(x: float, places: int) -> float:
    """Round half away from zero at ``places`` on the decimal text (98.355 → 98.36, not 98.35)."""
    if not math.isfinite(x):
        return x
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)) + 0.0


def round_frame(df: pd.DataFrame, kinds: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with each numeric column of a known kind rounded at its precision.

    ``kinds`` maps column → kind (default :data:`COLUMN_KINDS`); other columns are kept as they are.
    """
    kinds = COLUMN_KINDS if kinds is None else kinds
    out = df.copy()
    for col in out.columns:
        kind = kinds.get(col)
        if kind is None or not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            continue
        if kind in ("count", "year"):
            if not pd.api.types.is_integer_dtype(out[col]):
                out[col] = pd.array([None if is_blank(v) else int(round(float(v))) for v in out[col]], dtype="Int64")
            continue
        out[col] = pd.array([pd.NA if is_blank(v) else round_kind(v, kind) for v in out[col]], dtype="Float64")
    return out


def fmt_number(x: Any, kind: str, *, blank: str = "", unit: bool = False) -> str:
    """One number as text at the precision of its kind (fixed decimals, for tables).

    Examples
    --------
    >>> fmt_number(85.4561, "money"), fmt_number(0.995573, "rate"), fmt_number(98.355, "score")
    ('85.4561', '99.56%', '98.36')
    >>> fmt_number(12, "count"), fmt_number(None, "money", blank="—"), fmt_number(0.38, "money", unit=True)
    ('12', '—', '0.3800万元')
    """
    if is_blank(x):
        return blank
    if kind == "rate":
        return f"{_half_up(float(x) * 100, DECIMALS['rate']):.{DECIMALS['rate']}f}%"
    if kind in ("count", "year"):
        return str(int(round(float(x))))
    places = DECIMALS[kind]
    text = f"{_half_up(float(x), places):.{places}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text + ("万元" if unit and kind == "money" else "分" if unit and kind == "score" else "")


def fmt_trim(x: Any, decimals: int = 2, *, blank: str = "空") -> str:
    """``9.0`` → ``9``, ``9.956`` → ``9.96``: at most ``decimals`` decimals, no trailing zeros.

    Examples
    --------
    >>> fmt_trim(9.0), fmt_trim(9.956), fmt_trim(-0.001), fmt_trim(None)
    ('9', '9.96', '0', '空')
    """
    if is_blank(x):
        return blank
    s = f"{_half_up(float(x), decimals):.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def fmt_wan(x: Any, decimals: int = DECIMALS["money"], *, blank: str = MISSING) -> str:
    """Format an amount in 万元 with ``decimals`` decimals, blank as 未填报.

    Examples
    --------
    >>> fmt_wan(85.4561), fmt_wan(0.38), fmt_wan(None)
    ('85.4561万元', '0.3800万元', '未填报')
    """
    if is_blank(x):
        return blank
    return f"{_half_up(float(x), decimals):.{decimals}f}万元"


def fmt_signed_wan(x: Any, decimals: int = DECIMALS["money"]) -> str:
    """Like :func:`fmt_wan` but for a change: the absolute value (the verb says the sign).

    Examples
    --------
    >>> fmt_signed_wan(-1.5)
    '1.5000万元'
    """
    if is_blank(x):
        return MISSING
    return fmt_wan(abs(float(x)), decimals)


def fmt_pct(x: Any, decimals: int = DECIMALS["rate"], *, blank: str = MISSING) -> str:
    """Format a fraction as a percentage with ``decimals`` decimals, blank as 未填报.

    Examples
    --------
    >>> fmt_pct(0.995573), fmt_pct(1), fmt_pct(pd.NA)
    ('99.56%', '100.00%', '未填报')
    """
    if is_blank(x):
        return blank
    return f"{_half_up(float(x) * 100, decimals):.{decimals}f}%"


def fmt_score(x: Any, decimals: int = DECIMALS["score"], *, blank: str = MISSING) -> str:
    """Format a score with at most ``decimals`` decimals and the unit 分.

    Examples
    --------
    >>> fmt_score(91.0), fmt_score(98.355), fmt_score(None)
    ('91分', '98.36分', '未填报')
    """
    if is_blank(x):
        return blank
    return f"{fmt_trim(x, decimals)}分"


def fmt_count(x: Any, unit: str = "") -> str:
    """Format a whole count (people, items, years) with an optional unit.

    Examples
    --------
    >>> fmt_count(12, "人"), fmt_count(None, "人")
    ('12人', '未填报')
    """
    if is_blank(x):
        return MISSING
    return f"{int(x)}{unit}"


# --------------------------------------------------------------------------- CSV cells

#: A text cell starting with one of these is read as a formula by spreadsheet programs (OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def csv_safe_text(value: Any) -> Any:
    """A text cell that no spreadsheet runs as a formula: leading ``= + - @``, tab or CR get a ``'``.

    Non-text values are returned unchanged (numbers stay numbers).

    Examples
    --------
    >>> csv_safe_text("=HYPERLINK(\\"http://x\\")"), csv_safe_text("@SUM(A1)"), csv_safe_text("完成"), csv_safe_text(-1.5)
    ('\\'=HYPERLINK("http://x")', "'@SUM(A1)", '完成', -1.5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are safe to open in a spreadsheet (:func:`csv_safe_text`)."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            continue
        out[col] = out[col].map(csv_safe_text, na_action="ignore")
    return out
