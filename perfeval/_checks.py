"""Audit findings: the contradictions a reviewer (复核) looks for, found automatically.

:func:`check` runs every check of :data:`CATALOGUE` on a dataset and returns one row
per finding with where it is (``location``, naming the dataset file and row) and
both numbers (``expected`` and ``found``). The catalogue is documented in
``docs/findings.md``.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from perfeval._dataset import STR
from perfeval._format import fmt_pct, fmt_wan
from perfeval._memory import release_memory
from perfeval._framework import Framework, _fmt_num, framework_for, load_framework
from perfeval._scoring import (
    _execution_rates,
    _finance_lookup,
    _floats,
    _framework_index,
    _grades,
    _key_arrays,
    _tuples,
    _mapped_codes,
    _match,
    _objects,
    _row_codes,
    _per_distinct,
    execution_rate,
    rescore,
)
from perfeval._values import as_float as _val
from perfeval._values import at_least, at_most, compare_array, differs
from perfeval._values import is_missing as _isna
from perfeval._vocab import CARRYOVER_ITEM, ROOT_ITEM, SPLITS, child_groups
from perfeval._vocab import norm_label as _clean_name

__all__ = ["CATALOGUE", "COLUMNS", "SEVERITIES", "check"]

#: Column order of the findings frame.
COLUMNS: list[str] = ["code", "severity", "dept_id", "year", "location", "expected", "found", "message"]

#: Severities, most serious first.
SEVERITIES: tuple[str, ...] = ("错误", "警告", "提示")

#: code -> (severity, Chinese title, Chinese description)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "total_score_mismatch": (
        "错误", "总得分与分项得分之和不符",
        "自评结果的得分不等于各三级指标填报得分与执行率得分之和（缺失的得分按0计）。"),
    "category_weight_mismatch": (
        "错误", "一级指标分值合计与规定分值不符",
        "某一级指标下各三级指标分值之和不等于评分框架规定的该一级指标分值；有分值缺失时，仅在已知分值之和已超过规定分值时报告。"),
    "weight_total_mismatch": (
        "错误", "全部分值合计与总分不符",
        "各三级指标分值与执行率分值之和不等于填报的总分（未填总分时按框架总分）。"),
    "execution_rate_mismatch": (
        "错误", "填报执行率与测算执行率不符",
        "填报的执行率与 全年执行数 ÷ 全年预算数（或框架规定的年初预算数）之差超过容差；容差取框架容差与填报值末位一半中的较大者（“98%”为0.5个百分点）。"),
    "execution_score_mismatch": (
        "错误", "执行率得分与复核得分不符",
        "填报的执行率得分不等于按框架规则（如 执行率×分值，以分值封顶）计算的得分。"),
    "indicator_score_mismatch": (
        "警告", "指标得分与复核得分不符",
        "定量指标（含“不突破预算”）的填报得分与按框架规则复核的得分之差超过容差；依据见复核说明。"),
    "deduction_without_shortfall": (
        "错误", "指标已达成却被扣分",
        "完成值达到指标值（或未突破预算），填报得分却低于分值。"),
    "full_score_despite_shortfall": (
        "错误", "指标未达成却得满分",
        "完成值未达到指标值（或突破预算），填报得分却等于分值。"),
    "missing_weight": (
        "错误", "指标分值缺失", "三级指标未填分值，无法计入分值合计和复核。"),
    "missing_score": (
        "错误", "得分缺失", "三级指标、执行率或总分未填得分。"),
    "grade_mismatch": (
        "错误", "评定等级与总得分不符",
        "填报的综合评定等级与按填报总得分对应的等级不一致，或等级无法识别（框架等级：优≥90、良80–<90、中60–<80、差<60）。"),
    "grade_differs_after_rescore": (
        "提示", "复核后等级变化", "按复核总分评定的等级与填报等级不同。"),
    "sum_mismatch": (
        "错误", "分项之和与合计不符",
        "资金科目的下级科目之和不等于该科目（年初预算数、全年预算数、全年执行数分别检查）：按收入来源之和、按支出性质之和与年度资金总额，人员经费+公用经费与基本支出，明细与小计，三公经费与其明细。下级科目本身为空时用其明细汇总；仍有未知项时不比较。"),
    "funds_unbalanced": (
        "错误", "收支不平衡",
        "年度资金总额的全年预算数（收入）不等于全年执行数加年末结转结余。"),
    "vague_actual": (
        "警告", "完成值表述不确切",
        "完成值写成界限（如“≥98%”），不是实际测量值；复核时按界值计。"),
    "duplicate_indicator": (
        "警告", "指标重复", "同一部门同一年度中出现名称相同的三级指标。"),
    "missing_reason": (
        "警告", "缺少偏差原因",
        "指标未完成，或完成值达到指标值130%及以上，却未说明偏差原因。"),
    "qualitative_score_out_of_band": (
        "错误", "定性指标得分超出等级区间",
        "定性指标的得分不在其完成等级对应的区间内（达成年度指标 80–100%，部分达成 60–80%，未达成 <60%，以框架为准）。"),
    "staff_over_quota": (
        "警告", "实有人数超编", "实际在职人数多于编制数（财政供养人员控制率超过100%）。"),
    "score_exceeds_weight": (
        "错误", "得分超过分值", "三级指标的填报得分大于其分值。"),
    "category_score_exceeds_weight": (
        "错误", "一级指标得分超过规定分值", "某一级指标下填报得分之和大于评分框架规定的该一级指标分值。"),
    "unknown_category": (
        "警告", "一级指标不在评分框架中", "三级指标所属的一级指标不是评分框架中的类别，无法核对分值。"),
    "target_conflicts_name": (
        "警告", "指标值与指标名称不一致",
        "三级指标名称中写明了目标（如“满意度≥95%”），指标值栏却写了另一个数（如“100%”）。"),
    "goal_without_result": (
        "提示", "年度目标无完成情况",
        "年度总体目标中的某条目标没有对应的全年实际完成情况（按条目顺序对应）。"),
    "unscorable_indicator": (
        "提示", "指标无法复核",
        "指标有分值但无法按框架复核（如单位不一致、指标值为定量而完成值为定性描述、缺少资金数据），复核说明给出原因。"),
}

_SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_COL_ZH = {"initial_budget": "年初预算数", "adjusted_budget": "全年预算数", "actual": "全年执行数"}


# --------------------------------------------------------------------------- formatting


def _money(x: float | None) -> str:
    return fmt_wan(x, blank="空")


def _rate(x: float | None) -> str:
    """Fraction -> ``99.56%``."""
    return fmt_pct(x, blank="空")


def _score(x: float | None) -> str:
    return "空" if x is None or _isna(x) else f"{_fmt_num(x)}分"


def _name(name: object) -> str:
    """An indicator's name as written (edges stripped), never shortened: analysts search for it."""
    return "" if name is None or _isna(name) else str(name).strip()


def _where(source: object, row: object, origin: object = None) -> str:
    """"（indicators.csv 第12行）", plus the place in the original report when known."""
    if source is None or _isna(source):
        return ""
    place = f"{source}" if row is None or _isna(row) else f"{source} 第{int(row)}行"
    if origin is not None and not _isna(origin) and str(origin):
        place += f"；原报告 {origin}"
    return f"（{place}）"


def _at(r: Any) -> str:
    """:func:`_where` of a frame row (``source``, ``source_row`` and ``origin`` when present)."""
    return _where(getattr(r, "source", None), getattr(r, "source_row", None), getattr(r, "origin", None))


class _LazyRows:
    """A group's rows by position; the row span is formatted only when a finding needs it."""

    def __init__(self, source: np.ndarray, source_row: np.ndarray, positions: np.ndarray) -> None:
        self.source, self.source_row, self.positions = source, source_row, positions

    def __len__(self) -> int:
        return len(self.positions)

    def __str__(self) -> str:
        return _rows_span(self.source[self.positions], self.source_row[self.positions])


def _rows_span(source: np.ndarray, rows: np.ndarray) -> str:
    """``（indicators.csv 第3–9行）``: the first source named and the span of its rows."""
    src = [s for s in pd.unique(source) if s is not None]
    r = [int(x) for x in rows if x == x]
    if not src or not r:
        return ""
    a, b = min(r), max(r)
    return f"（{src[0]} 第{a}行）" if a == b else f"（{src[0]} 第{a}–{b}行）"


def _written_half_step_pp(raw: object) -> float:
    """Half of the last written digit of a stated rate, in percentage points.

    ``"98%"`` → 0.5, ``"99.56%"`` → 0.005, ``"0.98"`` (a fraction) → 0.5.
    """
    if raw is None or _isna(raw):
        return 0.0
    import unicodedata

    t = unicodedata.normalize("NFKC", str(raw))
    m = re.search(r"\d+(?:\.(\d+))?", t)
    if not m:
        return 0.0
    decimals = len(m.group(1) or "")
    half = 0.5 * 10 ** (-decimals)
    is_percent = "%" in t or "百分" in t or float(m.group(0)) > 1.5
    return half if is_percent else half * 100


# --------------------------------------------------------------------------- check


class _Collector:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, code: str, dept: object, year: object, location: str,
            expected: str, found: str, message: str) -> None:
        self.rows.append({
            "code": code, "severity": CATALOGUE[code][0], "dept_id": str(dept),
            "year": int(year), "location": location, "expected": expected,
            "found": found, "message": message,
        })


def _text(value: object) -> str:
    """A cell for a message: blank (None/NA/NaN) as an empty string."""
    return "" if _isna(value) else str(value)


def check(ds: Any, framework: str | Path | Framework | None = None, *, scorecard: Any = None) -> pd.DataFrame:
    """Run every audit check on ``ds`` and return the findings.

    Parameters
    ----------
    ds
        A :class:`perfeval.Dataset` (or an object with the same frames).
    framework
        Framework id, TOML path or :class:`~perfeval.Framework` for dept-years whose
        ``evaluations.framework`` is blank; ``None`` means ``national_2020``.
    scorecard
        ``rescore(ds, framework)`` when the caller already has it (saves
        re-scoring twice); it must come from the same ``ds`` and ``framework``.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, severity, dept_id, year, location, expected, found,
        message``, sorted by dept, year, severity (错误, 警告, 提示), code and
        location. ``ds`` is not modified.

    Examples
    --------
    >>> import perfeval
    >>> f = check(perfeval.load())
    >>> "total_score_mismatch" in set(f["code"])
    True
    """
    default_fw = load_framework(framework)
    per_key = framework_for(ds, framework)
    card = scorecard if scorecard is not None else rescore(ds, framework)
    out = _Collector()

    def fw_of(dept: object, year: object) -> Framework:
        return per_key.get((str(dept), int(year)), default_fw)  # type: ignore[arg-type]

    def fw_rows(df: pd.DataFrame) -> tuple[np.ndarray, list[Framework]]:
        """Each row's framework, as an index into a list (a few frameworks, many rows)."""
        if df.empty:
            return np.zeros(0, dtype=np.int64), [default_fw]
        d, y = _key_arrays(df)
        return _framework_index(ds, d, y, per_key, default_fw)

    _check_indicators(card.indicators, fw_rows, ds, out)
    _check_categories(card.indicators, card.categories, fw_rows, out)
    _check_evaluations(ds, card, fw_rows, fw_of, out)
    _check_finance(ds, fw_rows, out)
    _check_staffing(ds, out)
    _check_goals(ds, out)

    release_memory(len(card.indicators) + len(ds.finance))
    return _findings_frame(out.rows)


def _natural(location: str) -> str:
    """A location's sort key: numbers padded, so that 第2项 sorts before 第10项."""
    return _DIGITS.sub(lambda m: m.group(0).zfill(8), location)


_DIGITS = re.compile(r"\d+")


def _findings_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The findings frame: rows sorted by dept, year, severity, code and location (natural order)."""
    rows = sorted(rows, key=lambda r: (r["dept_id"], r["year"], _SEV_RANK[r["severity"]], r["code"],
                                       _natural(r["location"])))
    return pd.DataFrame({c: pd.array([r[c] for r in rows], dtype="Int64" if c == "year" else STR) for c in COLUMNS})


def _indicator_keys(df: pd.DataFrame) -> list[tuple[str, int, int]]:
    seq = df["seq"] if "seq" in df.columns else df.groupby(["dept_id", "year"]).cumcount() + 1
    return [(str(d), int(y), int(q)) for d, y, q in zip(df["dept_id"], df["year"], seq)]


def _pair_by_key(raw: pd.DataFrame, card_ind: pd.DataFrame) -> dict[tuple[str, int, int], Any]:
    """The dataset's indicator rows by (dept_id, year, seq); refuse a scorecard of other rows.

    A scorecard passed to :func:`check` must be ``rescore`` of the same dataset: its
    indicators are paired with the dataset's by key, never by position, and a
    scorecard naming other indicators (another subset, another dataset) is refused.
    """
    by_key = dict(zip(_indicator_keys(raw), raw.itertuples(index=False)))
    card_keys = _indicator_keys(card_ind)
    missing = [k for k in card_keys if k not in by_key]
    extra = set(by_key) - set(card_keys)
    if missing or extra or len(card_keys) != len(set(card_keys)):
        sample = (missing or sorted(extra))[:3]
        shown = "、".join(f"{d} {y}年 第{q}项" for d, y, q in sample)
        raise ValueError(
            f"评分表（scorecard）与数据集不匹配：评分表有{len(card_keys)}项指标，数据集有{len(by_key)}项，"
            f"{'评分表中的' if missing else '数据集中的'}{shown}在另一方中找不到。"
            "请传入对同一数据集调用 rescore(ds, framework) 的结果，或不传 scorecard。")
    return by_key


def _ind_loc(r: Any, field: str) -> str:
    return f"绩效指标 第{int(r.seq)}项「{_name(r.name)}」{field}{_at(r)}"


def _pair_positions(raw: pd.DataFrame, card_ind: pd.DataFrame) -> np.ndarray:
    """For each scorecard indicator, the position of the dataset row with its key (see :func:`_pair_by_key`)."""
    def cols(df: pd.DataFrame) -> list[np.ndarray]:
        seq = df["seq"] if "seq" in df.columns else df.groupby(["dept_id", "year"]).cumcount() + 1
        d, y = _key_arrays(df)
        return [d, y, seq.to_numpy(dtype=np.int64)]

    raw_cols, card_cols = cols(raw), cols(card_ind)
    if len(raw_cols[0]) == len(card_cols[0]):
        codes = _row_codes(*(np.concatenate([a, b]) for a, b in zip(card_cols, raw_cols)))
        raw_codes = pd.Index(codes[len(card_cols[0]):])
        if raw_codes.is_unique and pd.Index(codes[:len(card_cols[0])]).is_unique:
            pos = raw_codes.get_indexer(codes[:len(card_cols[0])])
            if (pos >= 0).all():
                return pos
    _pair_by_key(raw, card_ind)  # raises, naming the rows that do not pair
    raise AssertionError("unreachable")  # pragma: no cover


def _check_indicators(ind: pd.DataFrame, fw_rows: Callable[[pd.DataFrame], tuple[np.ndarray, list[Framework]]],
                      ds: Any, out: _Collector) -> None:
    """Indicator rules: each a mask over the whole scorecard; messages written for the rows it flags."""
    if ind.empty:
        return
    raw = ds.indicators
    pos = _pair_positions(raw, ind)
    n = len(ind)
    fw_idx, fws = fw_rows(ind)
    tol = np.array([f.tolerance.score for f in fws])[fw_idx]
    w = ind["weight"].to_numpy(dtype=float, na_value=np.nan)
    rep = ind["reported_score"].to_numpy(dtype=float, na_value=np.nan)
    sc = ind["score"].to_numpy(dtype=float, na_value=np.nan)
    rule = ind["rule"].to_numpy(dtype=object, na_value=None)
    short = ind["shortfall"].to_numpy(dtype=bool, na_value=False)
    over = ind["over_achievement"].to_numpy(dtype=bool, na_value=False)
    band = ind["band"].to_numpy(dtype=object, na_value=None)
    has_w, has_rep, has_sc = ~np.isnan(w), ~np.isnan(rep), ~np.isnan(sc)
    quant = np.isin(rule, ["≥", "≤", "=", "预算", "测算"])
    qual = rule == "定性"
    flag = ~has_w | ~has_rep
    flag |= has_w & has_rep & (compare_array(rep, w, tol) > 0)
    flag |= quant & has_sc & has_rep & (compare_array(sc, rep, tol) != 0)
    ge_w = compare_array(rep, w, tol) >= 0
    flag |= quant & has_sc & has_w & has_rep & ((~short & ~ge_w) | (short & ge_w))
    flag |= has_w & ~has_sc & ~qual
    # a qualitative score outside its band's range
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    for k, fw in enumerate(fws):
        for b in fw.qualitative:
            m = (fw_idx == k) & (band == b.name)
            lo[m], hi[m] = b.low, b.high
    in_band = (compare_array(rep, lo * w, tol) >= 0) & (compare_array(rep, hi * w, tol) <= 0)
    flag |= qual & has_w & has_rep & ~np.isnan(lo) & ~in_band
    # only the columns the rules read (a copy of every column of a million rows is hundreds of MB)
    raw_at = raw[[c for c in raw.columns if c in _RAW_READ]].iloc[pos]
    if "actual_vague" in raw.columns:
        vague = raw_at["actual_vague"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        flag |= vague & ~np.isin(rule, ["预算", "定性"])
    reason = _objects(raw_at["reason"] if "reason" in raw.columns else None, n)
    no_reason = _per_distinct(reason, lambda v: v is None or not str(v).strip()).astype(bool)
    flag |= no_reason & (short | over)
    # a target written into the name that the target column contradicts
    names = _objects(ind["name"], n)
    named = _per_distinct(names, lambda v: _target_in_name(float("nan") if v is None else v))
    t_val = _floats(raw_at.get("target_value"), n)
    t_unit = _objects(raw_at.get("target_unit"), n)
    flag |= np.array([x is not None for x in named.tolist()]) & ~np.isnan(t_val) & (t_unit != None)  # noqa: E711

    hit = np.flatnonzero(flag)
    for i, r, src in zip(hit.tolist(), _tuples(ind, hit), _tuples(raw_at, hit)):
        _indicator_findings(r, src, fws[fw_idx[i]], raw, out)
    _duplicate_indicators(ind, names, out)


#: the dataset's indicator columns the indicator rules read (beside the scorecard's)
_RAW_READ = frozenset({"actual", "target", "actual_vague", "reason", "target_value", "target_unit"})


def _duplicate_indicators(ind: pd.DataFrame, names: np.ndarray, out: _Collector) -> None:
    """A name repeated within a department-year: each later row names the first."""
    labels: dict[str, int] = {}
    clean = _mapped_codes(names, lambda v: _clean_name(float("nan") if v is None else v), labels)
    d, y = _key_arrays(ind)
    key = _row_codes(d, y) * (len(labels) + 1) + clean
    named = clean != labels.get("", -1)
    at = np.flatnonzero(named)
    _, first_in, group = np.unique(key[at], return_index=True, return_inverse=True)
    first = np.full(len(key), -1, dtype=np.int64)
    first[at] = at[first_in][group.reshape(-1)]  # each named row's first row of the same key
    later = np.flatnonzero(named & (first != np.arange(len(key))))
    if not len(later):
        return
    firsts = first[later]
    for r, f in zip(_tuples(ind, later), _tuples(ind, firsts)):
        label = f"「{_name(r.name)}」"
        out.add("duplicate_indicator", r.dept_id, r.year, _ind_loc(r, "三级指标"),
                "不重复的指标名称", f"与第{int(f.seq)}项同名",
                f"指标{label}（{_text(r.level1)}/{_text(r.level2)}）与第{int(f.seq)}项"
                f"（{_text(f.level1)}/{_text(f.level2)}）名称相同。")


def _indicator_findings(r: Any, src: Any, fw: Framework, raw: pd.DataFrame, out: _Collector) -> None:
    """The findings of one flagged indicator row (``r`` of the scorecard, ``src`` of the dataset)."""
    tol = fw.tolerance.score
    w, rep, sc = _val(r.weight), _val(r.reported_score), _val(r.score)
    label = f"「{_name(r.name)}」"
    a_raw = "" if _isna(src.actual) else str(src.actual).strip()
    t_raw = "" if _isna(src.target) else str(src.target).strip()
    rule = str(r.rule)

    if w is None:
        out.add("missing_weight", r.dept_id, r.year, _ind_loc(r, "分值"), "分值", "空",
                f"指标{label}未填分值。")
    if rep is None:
        out.add("missing_score", r.dept_id, r.year, _ind_loc(r, "得分"), "得分", "空",
                f"指标{label}未填得分。")
    if w is not None and rep is not None and not at_most(rep, w, tol):
        out.add("score_exceeds_weight", r.dept_id, r.year, _ind_loc(r, "得分"),
                f"≤{_score(w)}", _score(rep), f"指标{label}得分{_score(rep)}大于分值{_score(w)}。")

    quantitative = rule in ("≥", "≤", "=", "预算", "测算")
    if quantitative and sc is not None and rep is not None and differs(sc, rep, tol):
        out.add("indicator_score_mismatch", r.dept_id, r.year, _ind_loc(r, "得分"),
                _score(sc), _score(rep),
                f"指标{label}填报得分{_score(rep)}，按「{fw.name}」复核应为{_score(sc)}：{r.basis}。")
    if quantitative and sc is not None and w is not None and rep is not None:
        if not bool(r.shortfall) and not at_least(rep, w, tol):
            out.add("deduction_without_shortfall", r.dept_id, r.year, _ind_loc(r, "得分"),
                    _score(w), _score(rep),
                    f"指标{label}已达成（{r.basis}），却只得{_score(rep)}（分值{_score(w)}）。")
        if bool(r.shortfall) and at_least(rep, w, tol):
            out.add("full_score_despite_shortfall", r.dept_id, r.year, _ind_loc(r, "得分"),
                    f"<{_score(w)}（复核{_score(sc)}）", _score(rep),
                    f"指标{label}未达成（{r.basis}），却得满分{_score(rep)}。")
    if w is not None and sc is None and rule != "定性":
        out.add("unscorable_indicator", r.dept_id, r.year, _ind_loc(r, "完成值"),
                f"可与指标值「{t_raw or '空'}」比较的完成值", a_raw or "空",
                f"指标{label}无法复核：{r.basis}。")

    if rule == "定性" and w is not None and rep is not None and not _isna(r.band):
        band = next((b for b in fw.qualitative if b.name == r.band), None)
        if band is not None:
            lo, hi = band.low * w, band.high * w
            if not (at_least(rep, lo, tol) and at_most(rep, hi, tol)):
                out.add("qualitative_score_out_of_band", r.dept_id, r.year, _ind_loc(r, "得分"),
                        f"{_fmt_num(lo)}–{_fmt_num(hi)}分", _score(rep),
                        f"定性指标{label}完成值「{a_raw}」属于「{band.name}」等级，对应"
                        f"{_fmt_num(lo)}–{_fmt_num(hi)}分，填报得分{_score(rep)}不在区间内。")

    vague = src.actual_vague if "actual_vague" in raw.columns else False
    if not _isna(vague) and bool(vague) and rule not in ("预算", "定性"):
        out.add("vague_actual", r.dept_id, r.year, _ind_loc(r, "完成值"), "确切的实际完成值", a_raw,
                f"指标{label}完成值写作「{a_raw}」，是界限而非实际值；复核按界值计。")

    reason = src.reason if "reason" in raw.columns else None
    no_reason = reason is None or _isna(reason) or not str(reason).strip()
    if no_reason and (bool(r.shortfall) or bool(r.over_achievement)):
        what = "未完成" if bool(r.shortfall) else f"超额完成（{_rate(_val(r.ratio))}）"
        exp = f"指标值「{t_raw}」" if t_raw else "指标值"
        out.add("missing_reason", r.dept_id, r.year, _ind_loc(r, "偏差原因"),
                f"偏差原因（{exp}）", f"完成值「{a_raw or '空'}」，偏差原因空",
                f"指标{label}{what}：指标值「{t_raw or '空'}」，完成值「{a_raw or '空'}」，未说明偏差原因。")

    named = _target_in_name(r.name)
    t_val, t_unit = _val(src.target_value), src.target_unit
    if named is not None and t_val is not None and not _isna(t_unit):
        n_op, n_val, n_unit = named
        if n_unit == t_unit and differs(n_val, t_val):
            out.add("target_conflicts_name", r.dept_id, r.year, _ind_loc(r, "指标值"),
                    f"{n_op}{_fmt_num(n_val)}{n_unit}（名称所写）", t_raw,
                    f"指标{label}名称写明目标{n_op}{_fmt_num(n_val)}{n_unit}，指标值栏却写「{t_raw}」；"
                    f"复核按指标值栏计分，请核实目标。")


_NAME_TARGET = re.compile(
    r"(≥|≤|>=|<=|不低于|不少于|不高于|不超过|大于等于|小于等于)\s*(\d+(?:\.\d+)?)\s*(%|万元|元|个|次|人|天|小时|件|篇|条|场|户|家|项)")
_NAME_OPS = {">=": "≥", "不低于": "≥", "不少于": "≥", "大于等于": "≥",
             "<=": "≤", "不高于": "≤", "不超过": "≤", "小于等于": "≤"}


def _target_in_name(name: object) -> tuple[str, float, str] | None:
    """A target written into an indicator's name ("满意度≥95%" → ("≥", 95.0, "%")).

    Only an explicit comparison followed by a number and a unit counts, so names
    such as "实行24小时值班制" are not read as targets.

    >>> _target_in_name("社会公众或服务对象满意度≥95%")
    ('≥', 95.0, '%')
    >>> _target_in_name("实行24小时舆情值班制") is None
    True
    """
    if _isna(name):
        return None
    m = _NAME_TARGET.search(unicodedata.normalize("NFKC", str(name)).replace("％", "%"))
    if not m:
        return None
    op = _NAME_OPS.get(m.group(1), m.group(1))
    return op, float(m.group(2)), m.group(3)


def _group_positions(codes: np.ndarray) -> Callable[[int], np.ndarray]:
    """Positions of the rows of each group code, found by one sort (not one mask per group)."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]

    def rows(code: int) -> np.ndarray:
        a, b = np.searchsorted(sorted_codes, [code, code + 1])
        return order[a:b]

    return rows


def _check_categories(ind: pd.DataFrame, cats: pd.DataFrame,
                      fw_rows: Callable[[pd.DataFrame], tuple[np.ndarray, list[Framework]]],
                      out: _Collector) -> None:
    """Category rules over the subtotals frame; the row span is formatted only into a finding."""
    if cats.empty or ind.empty:
        return
    d, y = _key_arrays(ind)
    category = ind["category"].to_numpy(dtype=object, na_value=None)
    cd, cy = _key_arrays(cats)
    level1 = cats["level1"].astype(str).to_numpy(dtype=object)
    n = len(ind)
    codes = _row_codes(np.concatenate([d, cd]), np.concatenate([y, cy]), np.concatenate([category, level1]))
    codes[:n][pd.isna(category)] = -1  # rows without a category belong to no group
    ind_codes = codes[:n]
    cat_code = np.where(np.isin(codes[n:], ind_codes), codes[n:], -1)
    fw_idx, fws = fw_rows(cats)
    tol = np.array([f.tolerance.score for f in fws])[fw_idx]
    decl = cats["declared_weight"].to_numpy(dtype=float, na_value=np.nan)
    wsum = cats["weight_sum"].to_numpy(dtype=float, na_value=np.nan)
    rep = cats["reported_score"].to_numpy(dtype=float, na_value=np.nan)
    missing = cats["weight_missing"].to_numpy(dtype=float, na_value=0)
    c_w = compare_array(wsum, decl, tol)
    flag = np.isnan(decl)
    flag |= ~np.isnan(decl) & ~np.isnan(wsum) & (((missing == 0) & (c_w != 0)) | ((missing > 0) & (c_w > 0)))
    flag |= ~np.isnan(decl) & ~np.isnan(rep) & (compare_array(rep, decl, tol) > 0)
    flag &= cat_code >= 0  # a category with no indicator rows has nothing to report
    hit = np.flatnonzero(flag)
    if not len(hit):
        return
    rows_of = _group_positions(ind_codes)
    source = ind["source"].to_numpy(dtype=object, na_value=None)
    source_row = ind["source_row"].to_numpy(dtype=float, na_value=np.nan)
    for i, c in zip(hit.tolist(), _tuples(cats, hit)):
        fw = fws[fw_idx[i]]
        tol_i = fw.tolerance.score
        part = span = _LazyRows(source, source_row, rows_of(int(cat_code[i])))
        decl, wsum, rep = _val(c.declared_weight), _val(c.weight_sum), _val(c.reported_score)
        if decl is None:
            out.add("unknown_category", c.dept_id, c.year, f"绩效指标 一级指标「{c.level1}」{span}",
                    "、".join(x.name for x in fw.categories), str(c.level1),
                    f"一级指标「{c.level1}」不在评分框架「{fw.name}」中（{len(part)}项指标）。")
            continue
        if wsum is not None:
            missing = int(c.weight_missing)
            if (missing == 0 and differs(wsum, decl, tol_i)) or (missing > 0 and not at_most(wsum, decl, tol_i)):
                extra = f"（另有{missing}项未填分值）" if missing else ""
                out.add("category_weight_mismatch", c.dept_id, c.year,
                        f"绩效指标 一级指标「{c.level1}」分值合计{span}", _score(decl), _score(wsum),
                        f"一级指标「{c.level1}」规定{_score(decl)}，其下{len(part)}项三级指标分值合计"
                        f"{_score(wsum)}{extra}。")
        if rep is not None and not at_most(rep, decl, tol_i):
            out.add("category_score_exceeds_weight", c.dept_id, c.year,
                    f"绩效指标 一级指标「{c.level1}」得分合计{span}", f"≤{_score(decl)}", _score(rep),
                    f"一级指标「{c.level1}」规定{_score(decl)}，其下填报得分合计{_score(rep)}，超过规定分值。")


def _check_evaluations(ds: Any, card: Any,
                       fw_rows: Callable[[pd.DataFrame], tuple[np.ndarray, list[Framework]]],
                       fw_of: Callable[[object, object], Framework], out: _Collector) -> None:
    """Evaluation rules: each a comparison over whole columns; messages written for the rows they flag."""
    ev = ds.evaluations
    if ev.empty:
        return
    ind = card.indicators
    n = len(ev)
    d, y = _key_arrays(ev)
    fw_idx, fws = fw_rows(ev)
    tol = np.array([f.tolerance.score for f in fws])[fw_idx] - 1e-6  # a shade tighter: the rows flagged
    total_rep = _floats(ev["total_score"], n)                         # are checked exactly below
    exec_rep = _floats(ev["execution_score"], n)
    exec_w = _floats(ev["execution_weight"], n)
    flag = np.isnan(total_rep) | (np.isnan(exec_rep) & ~np.isnan(exec_w))

    # per department-year sums of the indicators (one pass, by key code)
    if len(ind):
        idx_d, idx_y = _key_arrays(ind)
        all_codes = _row_codes(np.concatenate([idx_d, d]), np.concatenate([idx_y, y]))
        ind_codes, ind_keys = pd.factorize(all_codes[:len(ind)])
        g = len(ind_keys)
        rep_all = ind["reported_score"].to_numpy(dtype=float, na_value=np.nan)
        w_all = ind["weight"].to_numpy(dtype=float, na_value=np.nan)

        def per_key(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            ok = ~np.isnan(values)
            return (np.bincount(ind_codes, weights=np.where(ok, values, 0.0), minlength=g),
                    np.bincount(ind_codes, weights=ok, minlength=g))

        rep_sum, rep_n = per_key(rep_all)
        w_sum, w_n = per_key(w_all)
        rows_n = np.bincount(ind_codes, minlength=g)
        code = pd.Index(ind_keys).get_indexer(all_codes[len(ind):])
        has = code >= 0
        safe = np.where(has, code, 0)
        items_sum = np.where(has, rep_sum[safe], 0.0)
        items_n = np.where(has, rep_n[safe], 0)
        ws_known = np.where(has, w_sum[safe], 0.0)
        ws_n = np.where(has, w_n[safe], 0)
        n_rows = np.where(has, rows_n[safe], 0)
    else:
        code = np.full(n, -1)
        items_sum = ws_known = np.zeros(n)
        items_n = ws_n = n_rows = np.zeros(n, dtype=np.int64)
    s = items_sum + np.nan_to_num(exec_rep)
    flag |= ~np.isnan(total_rep) & ((items_n > 0) | ~np.isnan(exec_rep)) & (compare_array(s, total_rep, tol) != 0)
    total_w = _floats(ev["total_weight"], n)
    target_w = np.where(np.isnan(total_w), np.array([f.total for f in fws])[fw_idx], total_w)
    ew = np.where(np.isnan(exec_w), np.array([f.execution.weight for f in fws])[fw_idx], exec_w)
    ws = ws_known + ew
    c_w = compare_array(ws, target_w, tol)
    w_missing = n_rows - ws_n
    flag |= (n_rows > 0) & (ws_n > 0) & (((w_missing == 0) & (c_w != 0)) | ((w_missing > 0) & (c_w > 0)))

    keys = pd.DataFrame({"dept_id": d, "year": y})
    stated = _floats(ev.get("execution_rate_value"), n)
    computed = _execution_rates(ds, keys, fw_idx, fws)
    half = _per_distinct(_objects(ev.get("execution_rate"), n), _written_half_step_pp).astype(float)
    allow = np.maximum(np.array([f.tolerance.rate_pp for f in fws])[fw_idx], half) - 1e-9
    flag |= ~np.isnan(stated) & ~np.isnan(computed) & (compare_array(stated * 100, computed * 100, allow) != 0)

    tot = card.totals
    td, ty = _key_arrays(tot)
    t_pos = _match([d, y], [td, ty]) if len(tot) else np.full(n, -1)
    has_t = t_pos >= 0
    t_safe = np.where(has_t, t_pos, 0)
    ex_sc = np.where(has_t, tot["execution_score"].to_numpy(dtype=float, na_value=np.nan)[t_safe] if len(tot)
                     else np.nan, np.nan)
    flag |= ~np.isnan(exec_rep) & ~np.isnan(ex_sc) & (compare_array(ex_sc, exec_rep, tol) != 0)

    grade_raw = _per_distinct(_objects(ev["grade"], n), lambda v: "" if v is None else str(v).strip())
    t_grade = np.where(has_t, tot["grade"].to_numpy(dtype=object, na_value=None)[t_safe] if len(tot) else None, None)
    for k, fw in enumerate(fws):
        m = (fw_idx == k) & (grade_raw != "")
        if not m.any():
            continue
        norm = _per_distinct(grade_raw[m], fw.normalise_grade)
        expected = _grades(total_rep[m], fw)
        flag[np.flatnonzero(m)[(norm == None) | (expected != norm) | ((t_grade[m] != None) & (t_grade[m] != norm))]] = True  # noqa: E711

    hit = np.flatnonzero(flag)
    if not len(hit):
        return
    hit_keys = set(zip(d[hit].tolist(), y[hit].tolist()))
    totals = {(str(t.dept_id), int(t.year)): t
              for t in _tuples(tot, np.unique(t_pos[hit][has_t[hit]]))}
    fin = ds.finance
    if not fin.empty:
        fd, fy = _key_arrays(fin)
        fin = fin[[k in hit_keys for k in zip(fd.tolist(), fy.tolist())]]
    finance = _finance_lookup(SimpleNamespace(finance=fin))
    rows_of = _group_positions(ind_codes) if len(ind) else None
    rep_all = ind["reported_score"].to_numpy(dtype=float, na_value=np.nan) if len(ind) else np.array([])
    weight_all = ind["weight"].to_numpy(dtype=float, na_value=np.nan) if len(ind) else np.array([])
    none = np.array([], dtype=np.intp)
    for i, e in zip(hit.tolist(), _tuples(ev, hit)):
        key = (str(e.dept_id), int(e.year))
        fw = fw_of(*key)
        tol = fw.tolerance
        where = _at(e)
        t = totals.get(key)
        pos = rows_of(int(code[i])) if rows_of is not None and code[i] >= 0 else none
        reported, weights = rep_all[pos], weight_all[pos]
        total_rep = _val(e.total_score)
        exec_rep = _val(e.execution_score)
        exec_w = _val(e.execution_weight)

        if total_rep is None:
            out.add("missing_score", *key, f"自评结果 得分{where}", "总得分", "空", "自评结果未填总得分。")
        if exec_rep is None and exec_w is not None:
            out.add("missing_score", *key, f"自评结果 执行率得分{where}", "执行率得分", "空",
                    "执行率有分值但未填得分。")

        # total vs items
        items = reported[~np.isnan(reported)]
        if total_rep is not None and (len(items) or exec_rep is not None):
            s = float(items.sum()) + (exec_rep or 0.0)
            if differs(s, total_rep, tol.score):
                n_missing = int(np.isnan(reported).sum())
                extra = f"（{n_missing}项未填得分，按0计）" if n_missing else ""
                out.add("total_score_mismatch", *key, f"自评结果 得分{where}", _score(s), _score(total_rep),
                        f"填报总得分{_score(total_rep)}，而{len(items)}项三级指标得分"
                        f"{_score(float(items.sum()))}加执行率得分{_score(exec_rep or 0.0)}合计{_score(s)}{extra}。")

        # weights vs 总分
        total_w = _val(e.total_weight)
        target_w = total_w if total_w is not None else fw.total
        ew = exec_w if exec_w is not None else fw.execution.weight
        known = weights[~np.isnan(weights)]
        if len(pos) and len(known):
            ws = float(known.sum()) + ew
            missing = int(np.isnan(weights).sum())
            if (missing == 0 and differs(ws, target_w, tol.score)) or (missing > 0 and not at_most(ws, target_w, tol.score)):
                extra = f"（另有{missing}项未填分值）" if missing else ""
                out.add("weight_total_mismatch", *key, f"自评结果 总分{where}", _score(target_w), _score(ws),
                        f"三级指标分值合计{_score(float(known.sum()))}加执行率分值{_score(ew)}"
                        f"为{_score(ws)}{extra}，不等于总分{_score(target_w)}。")

        # execution rate
        stated = _val(getattr(e, "execution_rate_value", None))
        computed, basis = execution_rate(finance.get(key, {}), fw.execution.basis)
        if stated is not None and computed is not None:
            allow = max(tol.rate_pp, _written_half_step_pp(e.execution_rate))
            diff_pp = abs(stated - computed) * 100
            if differs(stated * 100, computed * 100, allow):
                out.add("execution_rate_mismatch", *key, f"自评结果 执行率{where}", _rate(computed), _rate(stated),
                        f"填报执行率「{str(e.execution_rate).strip()}」，按{basis}测算为{_rate(computed)}，"
                        f"相差{diff_pp:.2f}个百分点（容差{_fmt_num(allow)}个百分点）。")

        # execution score
        if t is not None and exec_rep is not None:
            ex_sc = _val(t.execution_score)
            if ex_sc is not None and differs(ex_sc, exec_rep, tol.score):
                rate = _val(t.execution_rate)
                rule = (f"执行率{_rate(rate)}×{_fmt_num(fw.execution.weight)}分，以分值封顶"
                        if fw.execution.rule == "linear" else f"执行率{_rate(rate)}按分档")
                out.add("execution_score_mismatch", *key, f"自评结果 执行率得分{where}", _score(ex_sc),
                        _score(exec_rep), f"执行率得分填报{_score(exec_rep)}，按{rule}复核应为{_score(ex_sc)}。")

        # grades
        grade_raw = None if _isna(e.grade) else str(e.grade).strip()
        if grade_raw:
            norm = fw.normalise_grade(grade_raw)
            if norm is None:
                out.add("grade_mismatch", *key, f"自评结果 综合评定等级{where}",
                        "、".join(g.name for g in fw.grades), grade_raw,
                        f"综合评定等级「{grade_raw}」无法识别（应为{'、'.join(g.name for g in fw.grades)}之一或其同义写法）。")
            else:
                expected = fw.grade_for(total_rep)
                if expected is not None and expected != norm:
                    out.add("grade_mismatch", *key, f"自评结果 综合评定等级{where}",
                            f"{expected}（{_score(total_rep)}）", grade_raw,
                            f"填报总得分{_score(total_rep)}对应等级「{expected}」，填报等级为「{grade_raw}」。")
                if t is not None and not _isna(t.grade) and t.grade != norm:
                    out.add("grade_differs_after_rescore", *key, f"自评结果 综合评定等级{where}",
                            f"{t.grade}（复核{_score(_val(t.total))}）", grade_raw,
                            f"按「{fw.name}」复核总分{_score(_val(t.total))}，等级为「{t.grade}」，"
                            f"填报等级为「{grade_raw}」。")


def _finance_suspects(fin: pd.DataFrame, fw_idx: np.ndarray, fws: list[Framework]) -> np.ndarray:
    """Which finance rows belong to a department-year that may have a finding (a superset, by whole columns).

    A parent whose children (as written) do not add up, a child left blank (its own
    children decide, checked row by row), a repeated item, or unbalanced funds marks
    the department-year; :func:`_check_finance` then checks those exactly. Labels are
    integer codes here, so every step is a numpy operation.
    """
    n = len(fin)
    if not n:
        return np.zeros(0, dtype=bool)
    d, y = _key_arrays(fin)
    key = pd.factorize(_row_codes(d, y))[0].astype(np.int64)
    labels: dict[str, int] = {}  # cleaned labels of items and parents, one code space
    item_c = _mapped_codes(_objects(fin["item"], n), lambda v: _clean_name(float("nan") if v is None else v), labels)
    parent_c = _mapped_codes(_objects(fin["parent"], n), lambda v: "" if v is None else _clean_name(v), labels)
    splits: dict[str, int] = {s: i for i, s in enumerate(SPLITS)}  # the splits first: codes 0, 1
    split_c = _mapped_codes(_objects(fin.get("split"), n), lambda v: "" if v is None else str(v), splits)
    n_labels = len(labels) + 1
    root_c, carry_c = labels.get(ROOT_ITEM, -1), labels.get(CARRYOVER_ITEM, -1)
    blank_parent = parent_c == labels.get("", -1)
    tol = np.array([f.tolerance.money for f in fws])[fw_idx] - 1e-9
    suspect = np.zeros(key.max() + 1, dtype=bool)
    # a repeated item: the row-by-row check decides which row counts
    row_id = key * n_labels + item_c
    uniq, first, counts = np.unique(row_id, return_index=True, return_counts=True)
    suspect[key[first[counts > 1]]] = True
    # each child's parent row (same department-year)
    parent_id = key * n_labels + parent_c
    where = np.searchsorted(uniq, parent_id)
    where = np.minimum(where, len(uniq) - 1)
    has_parent = ~blank_parent & (uniq[where] == parent_id)
    p_row = first[where]
    kids = np.flatnonzero(has_parent)
    if len(kids):
        is_root = parent_c[kids] == root_c
        grp_c = np.where(is_root & (split_c[kids] < len(SPLITS)), split_c[kids], len(SPLITS))  # else: detail
        gid = np.unique(parent_id[kids] * 8 + grp_c, return_inverse=True)[1]
        n_g = gid.max() + 1
        for c in _COL_ZH:
            v = _floats(fin.get(c), n)
            pv = v[p_row[kids]]
            # a blank line whose children are all given counts as their sum (as the exact check sums them)
            kv_own = v[kids]
            known = ~np.isnan(kv_own)
            n_kids = np.bincount(p_row[kids], minlength=n)
            n_known = np.bincount(p_row[kids], weights=known, minlength=n)
            kid_sum = np.bincount(p_row[kids], weights=np.where(known, kv_own, 0.0), minlength=n)
            filled = np.where(np.isnan(v) & (n_kids > 0) & (n_known == n_kids) & (item_c != root_c), kid_sum, v)
            kv = filled[kids]
            known_parent = ~np.isnan(pv)
            suspect[key[kids][known_parent & np.isnan(kv)]] = True
            s = np.bincount(gid, weights=np.nan_to_num(kv), minlength=n_g)
            p_of = np.full(n_g, np.nan)
            p_of[gid] = pv
            t_of = np.zeros(n_g)
            t_of[gid] = tol[kids]
            k_of = np.zeros(n_g, dtype=np.int64)
            k_of[gid] = key[kids]
            bad = ~np.isnan(p_of) & (compare_array(s, p_of, t_of) != 0)
            suspect[k_of[bad]] = True
    # funds balance: 年度资金总额's 全年预算数 against its 全年执行数 plus 年末结转结余
    root = np.flatnonzero(item_c == root_c)
    carry = np.flatnonzero(item_c == carry_c)
    if len(root) and len(carry):
        last_root = pd.Series(root, index=key[root]).groupby(level=0).last()
        last_carry = pd.Series(carry, index=key[carry]).groupby(level=0).last()
        both = last_root.index.intersection(last_carry.index)
        r, c_ = last_root[both].to_numpy(), last_carry[both].to_numpy()
        income = _floats(fin.get("adjusted_budget"), n)[r]
        spent = _floats(fin.get("actual"), n)[r]
        left = _floats(fin.get("actual"), n)[c_]
        bad = ~np.isnan(income) & ~np.isnan(spent) & ~np.isnan(left) & (compare_array(income, spent + left, tol[r]) != 0)
        suspect[both.to_numpy()[bad]] = True
    return suspect[key]


def _check_finance(ds: Any, fw_rows: Callable[[pd.DataFrame], tuple[np.ndarray, list[Framework]]],
                   out: _Collector) -> None:
    """Finance rules: parents against their children's sums, funds balance; exact for the suspect years."""
    fin = ds.finance
    if fin.empty:
        return
    fin = fin[fin["dept_id"].notna() & fin["year"].notna()]
    if fin.empty:
        return
    fw_idx, fws = fw_rows(fin)
    fin = fin[_finance_suspects(fin, fw_idx, fws)]
    if fin.empty:
        return
    fw_idx, fws = fw_rows(fin)
    fw_by_key = {k: fws[i] for k, i in zip(zip(*(a.tolist() for a in _key_arrays(fin))), fw_idx.tolist())}
    fin_rows: dict[tuple[str, int], list[Any]] = {}
    for r in _tuples(fin):  # one pass, not a frame and a row class per department-year
        fin_rows.setdefault((str(r.dept_id), int(r.year)), []).append(r)
    for (dept, year) in sorted(fin_rows):
        fw = fw_by_key[(dept, year)]
        tol = fw.tolerance.money
        rows = {_clean_name(r.item): r for r in fin_rows[(dept, year)]}
        kids: dict[str, dict[str, str]] = {}
        for name, r in rows.items():
            parent = None if _isna(r.parent) else _clean_name(r.parent)
            if not parent or parent not in rows:
                continue
            kids.setdefault(parent, {})[name] = "" if _isna(getattr(r, "split", None)) else str(r.split)
        children = {parent: child_groups(parent, split_of) for parent, split_of in kids.items()}

        def value(item: str, col: str, stack: tuple[str, ...] = ()) -> tuple[float, bool] | None:
            own = _val(getattr(rows[item], col))
            if own is not None:
                return own, False
            if item in stack:
                return None
            for kids in children.get(item, {}).values():
                vals = [value(k, col, stack + (item,)) for k in kids]
                if all(v is not None for v in vals):
                    return sum(v[0] for v in vals), True  # type: ignore[index]
            return None

        group_zh = {"source": "按收入来源各项", "nature": "按支出性质各项", "detail": "下级科目"}
        for parent, groups in children.items():
            prow = rows[parent]
            for col, col_zh in _COL_ZH.items():
                pv = _val(getattr(prow, col))
                if pv is None:
                    continue
                for gname, kids in groups.items():
                    vals = [value(k, col) for k in kids]
                    if any(v is None for v in vals):
                        continue
                    s = sum(v[0] for v in vals)  # type: ignore[index]
                    if differs(s, pv, tol):
                        parts = " + ".join(
                            f"{k}{v[0]:.4f}" + ("（由明细汇总）" if v[1] else "")  # type: ignore[index]
                            for k, v in zip(kids, vals))
                        out.add("sum_mismatch", dept, year,
                                f"资金 {parent} {col_zh}{_at(prow)}",
                                _money(s), _money(pv),
                                f"{parent}{col_zh}{_money(pv)}，不等于{group_zh[gname]}之和{_money(s)}"
                                f"（{parts}），相差{abs(s - pv):.4f}万元。")

        root, carry = rows.get(ROOT_ITEM), rows.get(CARRYOVER_ITEM)
        if root is not None and carry is not None:
            income, spent, left = _val(root.adjusted_budget), _val(root.actual), _val(carry.actual)
            if income is not None and spent is not None and left is not None and differs(income, spent + left, tol):
                out.add("funds_unbalanced", dept, year,
                        f"资金 {ROOT_ITEM} 全年预算数{_at(root)}",
                        _money(spent + left), _money(income),
                        f"全年预算数（收入）{_money(income)}，不等于全年执行数{_money(spent)}加年末结转结余"
                        f"{_money(left)}之和{_money(spent + left)}，相差{abs(income - spent - left):.4f}万元。")


def _check_staffing(ds: Any, out: _Collector) -> None:
    st = ds.staffing
    if st.empty:
        return
    q_all, a_all = _floats(st["quota"], len(st)), _floats(st["actual"], len(st))
    over = ~np.isnan(q_all) & ~np.isnan(a_all) & (compare_array(a_all, q_all) > 0)
    for r in _tuples(st, np.flatnonzero(over)):
        q, a = _val(r.quota), _val(r.actual)
        if q is not None and a is not None and not at_most(a, q):
            rate = a / q if q else math.inf
            out.add("staff_over_quota", r.dept_id, r.year,
                    f"人员 实际在职人数{_at(r)}",
                    f"≤{int(q)}人", f"{int(a)}人",
                    f"实际在职{int(a)}人，多于编制数{int(q)}人（控制率{_rate(rate)}）。")


def _check_goals(ds: Any, out: _Collector) -> None:
    goals = getattr(ds, "goals", None)
    if goals is None or goals.empty:
        return
    n = len(goals)
    has_goal = _per_distinct(_objects(goals["goal"], n), lambda v: v is not None and bool(str(v).strip()))
    no_result = _per_distinct(_objects(goals["result"], n), lambda v: v is None or not str(v).strip())
    for r in _tuples(goals, np.flatnonzero(has_goal.astype(bool) & no_result.astype(bool))):
        goal = "" if _isna(r.goal) else str(r.goal).strip()
        result = "" if _isna(r.result) else str(r.result).strip()
        if goal and not result:
            out.add("goal_without_result", r.dept_id, r.year, f"年度总体目标 第{int(r.seq)}条{_at(r)}",
                    "全年实际完成情况", "空",
                    f"年度目标第{int(r.seq)}条「{goal}」没有填写全年实际完成情况。")
