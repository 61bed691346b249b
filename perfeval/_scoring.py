"""Re-scoring a dataset under a scoring framework (:mod:`perfeval._framework`).

:func:`rescore` recomputes each indicator's score, the execution score, the category
subtotals, the total and the grade, side by side with what the department reported.
Every threshold ("target met", tiers, grades) is compared with the one rule of
:func:`perfeval._values.compare`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from types import SimpleNamespace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfeval._dataset import STR, distinct_dept_years
from perfeval._framework import __all__ as _framework_all
from perfeval._framework import (  # re-exported: perfeval._scoring was their home
    DEFAULT_FRAMEWORK,
    FRAMEWORKS_DIR,
    Band,
    Category,
    ExecutionRule,
    Framework,
    FrameworkError,
    Grade,
    MetricRule,
    Tier,
    Tolerance,
    _fmt_num,
    _norm_category,
    framework_for,
    list_frameworks,
    load_framework,
)
from perfeval._format import exact_sum
from perfeval._format import round_each as _round_each
from perfeval._memory import release_memory
from perfeval._values import UNIT_FACTORS, as_float, at_least, at_most, compare, compare_array, convert_unit, is_missing
from perfeval._vocab import CARRYOVER_ITEM, ROOT_ITEM, norm_label

__all__ = [  # the framework names stay importable from here, their former home
    *(n for n in _framework_all if n != "framework_for"),
    "Scorecard",
    "rescore",
]

_isna = is_missing
_val = as_float
_framework_for = framework_for

_clean_name = norm_label


def _ensure_parsed(ind: pd.DataFrame) -> pd.DataFrame:
    """Add the parsed target/achieved columns when a frame lacks them."""
    needed = ("target_kind", "target_value", "actual_kind", "actual_value", "rule")
    if all(c in ind.columns for c in needed):
        return ind
    from perfeval._values import parse_value  # local: only for stand-in frames

    ind = ind.copy()
    rows: dict[str, list[Any]] = {k: [] for k in (
        "target_kind", "target_op", "target_value", "target_unit",
        "actual_kind", "actual_op", "actual_value", "actual_unit", "actual_vague", "rule")}
    for t_raw, a_raw, d in zip(ind["target"], ind["actual"], ind.get("direction", pd.Series([None] * len(ind)))):
        t = parse_value(None if _isna(t_raw) else str(t_raw))
        a = parse_value(None if _isna(a_raw) else str(a_raw), reference_unit=t.unit, reference_value=t.value)
        rows["target_kind"].append(t.kind)
        rows["target_op"].append(t.op)
        rows["target_value"].append(t.value)
        rows["target_unit"].append(t.unit)
        rows["actual_kind"].append(a.kind)
        rows["actual_op"].append(a.op)
        rows["actual_value"].append(a.value)
        rows["actual_unit"].append(a.unit)
        rows["actual_vague"].append(bool(a.vague))
        rows["rule"].append(_infer_rule(d, t.kind, t.op))
    for k, v in rows.items():
        ind[k] = v
    return ind


def _infer_rule(direction: object, target_kind: object, target_op: object) -> str:
    d = _clean_name(direction)
    if d in ("≥", ">=", "正向", "≥（正向）"):
        return "≥"
    if d in ("≤", "<=", "反向"):
        return "≤"
    if d in ("=", "等于"):
        return "="
    if d in ("定性",):
        return "定性"
    if target_kind == "bound_only":
        return "预算"
    if target_kind == "qualitative":
        return "定性"
    if target_op in ("≤", "<"):
        return "≤"
    return "≥"


def _frame(ds: Any, name: str) -> pd.DataFrame:
    df = getattr(ds, name, None)
    if df is None:
        return pd.DataFrame()
    return df


# --------------------------------------------------------------------------- finance lookups


def _finance_lookup(ds: Any) -> dict[tuple[str, int], dict[str, dict[str, float | None]]]:
    """(dept, year) -> item -> {initial_budget, adjusted_budget, actual} (the last row of a repeated item wins)."""
    fin = _frame(ds, "finance")
    out: dict[tuple[str, int], dict[str, dict[str, float | None]]] = {}
    if fin.empty:
        return out
    n = len(fin)
    dept, year = _key_arrays(fin)
    return _lookup_rows(dept, year, _per_distinct(_objects(fin["item"], n), _clean_name),
                        [_floats(fin.get(c), n) for c in ("initial_budget", "adjusted_budget", "actual")])


def _lookup_rows(dept: np.ndarray, year: np.ndarray, item: np.ndarray, money: list[np.ndarray]
                 ) -> dict[tuple[str, int], dict[str, dict[str, float | None]]]:
    """The :func:`_finance_lookup` dict of aligned finance arrays (clean item labels; NaN = blank)."""
    out: dict[tuple[str, int], dict[str, dict[str, float | None]]] = {}
    cols = [[None if v != v else v for v in c.tolist()] for c in money]
    for d, y, it, ini, adj, act in zip(dept.tolist(), year.tolist(), item.tolist(), *cols):
        out.setdefault((d, y), {})[it] = {"initial_budget": ini, "adjusted_budget": adj, "actual": act}
    return out


def execution_rate(
    items: dict[str, dict[str, float | None]], basis: str = "adjusted"
) -> tuple[float | None, str]:
    """Execution rate (fraction) of 年度资金总额 and a Chinese basis text.

    Falls back to 基本支出 + 项目支出 when the total row is missing.
    """
    col = "adjusted_budget" if basis == "adjusted" else "initial_budget"
    label = "全年预算数" if basis == "adjusted" else "年初预算数"
    root = items.get(ROOT_ITEM)
    if root and root["actual"] is not None and root[col]:
        return root["actual"] / root[col], f"{ROOT_ITEM}全年执行数{root['actual']:.4f}万元 ÷ {label}{root[col]:.4f}万元"
    return None, f"缺少{ROOT_ITEM}的全年执行数或{label}"


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Scorecard:
    """Re-scoring result: ``indicators``, ``categories`` and ``totals`` frames.

    Attributes
    ----------
    indicators
        One row per indicator: ``dept_id, year, seq, level1, level2, name,
        framework, weight, reported_score, score, ratio, rule, basis, shortfall,
        over_achievement, source, source_row``.
    categories
        ``dept_id, year, framework, level1, declared_weight, weight_sum,
        reported_score, score`` (``score`` capped at the declared weight when the
        framework says ``cap_categories``).
    totals
        ``dept_id, year, framework, execution_rate, execution_weight,
        execution_score_reported, execution_score, total_weight, total_reported,
        total_items_reported, total, grade_reported, grade_reported_normalised,
        grade``.
    """

    indicators: pd.DataFrame
    categories: pd.DataFrame
    totals: pd.DataFrame


def score_indicator(
    row: Any, fw: Framework, finance: dict[str, dict[str, float | None]],
    staffing: dict[str, float | None] | None = None,
) -> dict[str, Any]:
    """Re-score one indicator row (an ``itertuples`` row of ``ds.indicators``).

    Returns a dict with ``score, ratio, rule, basis, shortfall, over_achievement,
    band``. ``score`` is ``None`` when it cannot be computed; ``basis`` says why.
    """
    weight = _val(row.weight)
    reported = _val(row.score)
    rule = str(row.rule) if not _isna(getattr(row, "rule", None)) else _infer_rule(
        getattr(row, "direction", None), getattr(row, "target_kind", None), getattr(row, "target_op", None))
    out: dict[str, Any] = {"score": None, "ratio": None, "rule": rule, "basis": "",
                           "shortfall": False, "over_achievement": False, "band": None}
    t_raw = "" if _isna(row.target) else str(row.target).strip()
    a_raw = "" if _isna(row.actual) else str(row.actual).strip()

    metric = fw.metric_rule_for(row.name)
    if metric is not None:
        return _score_metric(out, metric, weight, finance, staffing or {})

    if rule == "定性":
        match = fw.match_band(a_raw)
        band = match.band if match else None
        why = f"完成值中{match.describe()}" if match else ""
        if band is None and a_raw and _clean_name(a_raw) == _clean_name(t_raw) and fw.qualitative:
            band = max(fw.qualitative, key=lambda b: b.high)  # achieved as targeted
            why = "完成值与指标值相同"
        out["band"] = band.name if band else None
        if band is None:
            out["score"] = reported
            out["basis"] = f"定性指标：完成值「{a_raw or '空'}」不对应任何等级，保留填报得分"
            return out
        top = max(b.high for b in fw.qualitative)
        out["shortfall"] = band.high < top
        if weight is None:
            out["basis"] = f"定性指标（{why}，等级「{band.name}」）：分值缺失，无法复核"
            return out
        lo, hi = band.low * weight, band.high * weight
        rng = f"{_fmt_num(lo)}–{_fmt_num(hi)}分"
        if reported is None:
            out["basis"] = f"定性指标：{why}，等级「{band.name}」对应 {rng}，未填得分，不予复核"
        elif at_least(reported, lo, fw.tolerance.score) and at_most(reported, hi, fw.tolerance.score):
            out["score"] = reported
            out["basis"] = f"定性指标：{why}，等级「{band.name}」对应 {rng}，填报得分在区间内，保留"
        else:
            out["score"] = round(min(max(reported, lo), hi), fw.score_decimals)
            out["basis"] = f"定性指标：{why}，等级「{band.name}」对应 {rng}，填报得分{_fmt_num(reported)}超出区间，取最近端点"
        return out

    if weight is None:
        # judge the achievement anyway (shortfall, over-achievement), but no score
        res = _score_quantitative(out, row, 1.0, rule, fw, finance, t_raw, a_raw)
        res["score"] = None
        res["basis"] = "分值缺失，无法计分；" + res["basis"].replace("，得满分1", "").replace("：1 × ", "：分值 × ")
        return res
    return _score_quantitative(out, row, weight, rule, fw, finance, t_raw, a_raw)


def _score_quantitative(out: dict[str, Any], row: Any, weight: float, rule: str, fw: Framework,
                        finance: dict[str, dict[str, float | None]], t_raw: str, a_raw: str
                        ) -> dict[str, Any]:
    if rule == "预算":
        return _score_budget(out, row, weight, fw, finance)

    t_kind = getattr(row, "target_kind", None)
    a_kind = getattr(row, "actual_kind", None)
    t = _val(getattr(row, "target_value", None))
    a = _val(getattr(row, "actual_value", None))
    if t_kind != "quantitative" or t is None:
        out["basis"] = f"指标值「{t_raw or '空'}」不是数值，无法按「{rule}」复核"
        return out
    if a_kind == "qualitative":
        out["basis"] = f"完成值「{a_raw}」为定性描述，指标值「{t_raw}」为定量，无法复核"
        return out
    if a is None:
        out["basis"] = f"完成值「{a_raw or '空'}」缺失或无法解析，无法复核"
        return out
    t_unit = getattr(row, "target_unit", None)
    a_unit = getattr(row, "actual_unit", None)
    t_unit = None if _isna(t_unit) else str(t_unit)
    a_unit = None if _isna(a_unit) else str(a_unit)
    a_conv = convert_unit(a, a_unit, t_unit)
    if a_conv is None:
        out["basis"] = f"完成值单位「{a_unit}」与指标值单位「{t_unit}」不一致，无法复核"
        return out
    vague = bool(getattr(row, "actual_vague", False)) if not _isna(getattr(row, "actual_vague", False)) else False
    a_txt = f"完成值「{a_raw}」" + (f"按界值{_fmt_num(a, 4)}{a_unit or ''}计（表述不确切）" if vague else "")
    if rule in ("≥", "=", "≤"):
        return _score_against_target(out, rule, weight, a_conv, t, a_txt, t_raw, a_unit, fw)

    out["basis"] = f"未知的指标性质「{rule}」，无法复核"
    return out


def shortfall_share(rule: str, achieved: float, target: float) -> float:
    """The share of the weight lost: the shortfall over the size of the target, in [0, 1].

    For ``≥`` and ``=`` the shortfall is target − achieved, for ``≤`` achieved −
    target; none (met, under :func:`~perfeval._values.compare`) loses nothing, and
    the loss is shortfall / |target|, at most all. The formula holds for targets of
    any sign: ``≤-5%`` achieved ``-3%`` loses 40%, ``≥-5%`` achieved ``-10%`` loses
    all, ``≥-5%`` achieved ``0%`` loses nothing. A zero target loses all unless met (for ``=``: achieved exactly 0).

    >>> shortfall_share("≥", 95, 100), shortfall_share("≤", -3, -5), shortfall_share("≥", 0, -5)
    (0.05, 0.4, 0.0)
    """
    if rule == "=" and target == 0:
        met = compare(achieved, 0) == 0
    else:
        met = at_most(achieved, target) if rule == "≤" else at_least(achieved, target)
    if met:
        return 0.0
    if target == 0:
        return 1.0
    gap = (achieved - target) if rule == "≤" else (target - achieved)
    return min(1.0, max(0.0, gap / abs(target)))


def _score_against_target(out: dict[str, Any], rule: str, weight: float, a: float, t: float, a_txt: str,
                          t_raw: str, unit: str | None, fw: Framework) -> dict[str, Any]:
    """Score a quantitative indicator (≥ ≤ =) for targets of any sign; 0 ≤ score ≤ weight."""
    loss = shortfall_share(rule, a, t)
    # attainment: achieved / target for a positive target, measured from the target otherwise
    out["ratio"] = None if t == 0 else (a / t if t > 0 else 1 + (a - t) / abs(t))
    out["shortfall"] = loss > 0
    if rule != "≤" and out["ratio"] is not None:
        out["over_achievement"] = at_least(out["ratio"], fw.over_achievement)
    w = max(weight, 0.0)
    verb = "不超过" if rule == "≤" else "达到"
    if loss == 0:
        out["score"] = w
        out["basis"] = f"{a_txt}{verb}指标值「{t_raw}」，得满分{_fmt_num(w)}"
        return out
    out["score"] = round(w * (1 - loss), fw.score_decimals)
    miss = "超过" if rule == "≤" else "未达到"
    if t == 0:
        out["basis"] = f"{a_txt}{miss}指标值「{t_raw}」（指标值为0），得0分"
    elif rule == "≤":
        out["basis"] = (f"{a_txt}{miss}指标值「{t_raw}」：{_fmt_num(w)} × (1 − "
                        f"({_fmt_num(a, 4)}−{_fmt_num(t, 4)})/{_fmt_num(abs(t), 4)})，最低0分")
    elif t > 0:
        out["basis"] = f"{a_txt}{miss}指标值「{t_raw}」：{_fmt_num(w)} × {_fmt_num(a, 4)}/{_fmt_num(t, 4)}"
    else:
        out["basis"] = (f"{a_txt}{miss}指标值「{t_raw}」：{_fmt_num(w)} × (1 − "
                        f"({_fmt_num(t, 4)}−{_fmt_num(a, 4)})/{_fmt_num(abs(t), 4)})，最低0分")
    return out


def _budget_item(name: object, finance: dict[str, dict[str, float | None]]) -> str:
    n = _clean_name(name)
    if n in finance and n != CARRYOVER_ITEM:
        return n
    hits = [k for k in finance if k and k in n and k != CARRYOVER_ITEM]
    if hits:
        return max(hits, key=len)
    return ROOT_ITEM


def _score_budget(out: dict[str, Any], row: Any, weight: float, fw: Framework,
                  finance: dict[str, dict[str, float | None]]) -> dict[str, Any]:
    item = _budget_item(row.name, finance)
    rec = finance.get(item)
    if not rec or rec["actual"] is None or rec["adjusted_budget"] is None:
        out["basis"] = f"不突破预算：缺少「{item}」的全年执行数或全年预算数，无法复核"
        return out
    actual, budget = rec["actual"], rec["adjusted_budget"]
    out["ratio"] = actual / budget if budget else None
    if at_most(actual, budget, fw.tolerance.money):
        out["score"] = weight
        out["basis"] = (f"不突破预算：「{item}」全年执行数{actual:.4f}万元 ≤ 全年预算数{budget:.4f}万元，"
                        f"达到，得满分{_fmt_num(weight)}")
    else:
        out["shortfall"] = True
        out["score"] = round((1 - shortfall_share("≤", actual, budget)) * max(weight, 0.0), fw.score_decimals)
        out["basis"] = (f"突破预算：「{item}」全年执行数{actual:.4f}万元 > 全年预算数{budget:.4f}万元，"
                        "按反向指标扣分")
    return out


def _score_metric(out: dict[str, Any], rule: MetricRule, weight: float | None,
                  finance: dict[str, dict[str, float | None]],
                  staffing: dict[str, float | None]) -> dict[str, Any]:
    out["rule"] = "测算"
    if rule.metric == "adjustment_rate":
        root = finance.get(ROOT_ITEM) or {}
        ini, adj = root.get("initial_budget"), root.get("adjusted_budget")
        if ini is None or adj is None or ini == 0:
            out["basis"] = f"{rule.label}：缺少{ROOT_ITEM}的年初预算数或全年预算数，无法测算"
            return out
        x = abs(adj - ini) / ini * 100
        desc = f"{rule.label} |{adj:.4f}−{ini:.4f}|/{ini:.4f} = {_fmt_num(x)}%"
    else:
        q, a = staffing.get("quota"), staffing.get("actual")
        if q is None or a is None or q == 0:
            out["basis"] = f"{rule.label}：缺少编制数或实际在职人数，无法测算"
            return out
        x = a / q * 100
        desc = f"{rule.label} {int(a)}/{int(q)} = {_fmt_num(x)}%"
    out["ratio"] = x / 100
    if weight is None:
        out["basis"] = desc + "；分值缺失，无法复核"
        return out
    scale = weight / rule.weight if rule.weight else 0.0
    if rule.tiers:
        tier = next((t for t in rule.tiers if t.matches(x)), None)
        points = tier.value if tier else 0.0
        out["basis"] = desc + f"，落在{tier.describe() if tier else '无'}档，{_fmt_num(points)}分（满分{_fmt_num(rule.weight)}）"
    else:
        limit = rule.full_at_or_below or 0.0
        over = 0.0 if at_most(x, limit) else x - limit
        points = max(0.0, rule.weight - over * (rule.per_point or 0.0))
        out["basis"] = desc + f"，≤{_fmt_num(rule.full_at_or_below)}%满分，每超1个百分点扣{_fmt_num(rule.per_point)}分"
    out["score"] = round(min(max(points * scale, 0.0), max(weight, 0.0)), 2)
    out["shortfall"] = compare(out["score"], weight) < 0
    return out


def score_execution(rate: float | None, fw: Framework) -> tuple[float | None, str]:
    """Execution score under ``fw`` for ``rate`` (a fraction) and its basis text."""
    w = fw.execution.weight
    if rate is None:
        return None, "缺少执行率，无法复核"
    pct = rate * 100
    if fw.execution.rule == "linear":
        s = min(w, max(0.0, rate * w))
        return round(s, fw.score_decimals), f"{_fmt_num(pct)}% × {_fmt_num(w)}，以{_fmt_num(w)}分封顶"
    tier = next((t for t in fw.execution.tiers if t.matches(pct)), None)
    share = tier.value if tier else 0.0
    return round(share * w, fw.score_decimals), f"执行率{_fmt_num(pct)}%落在{tier.describe() if tier else '无'}档，得{_fmt_num(share * w)}分"


# --------------------------------------------------------------------------- whole-frame helpers


def _objects(s: pd.Series | None, n: int) -> np.ndarray:
    """A column as a numpy object array with ``None`` for missing (no per-cell pandas access)."""
    if s is None:
        return np.full(n, None, dtype=object)
    return s.array.to_numpy(dtype=object, na_value=None)  # the array's own: no Series overhead


def _floats(s: pd.Series | None, n: int) -> np.ndarray:
    """A column as float64 with NaN for missing or non-numeric (as :func:`as_float` reads a cell)."""
    if s is None:
        return np.full(n, np.nan)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.array.to_numpy(dtype=float, na_value=np.nan)
    return np.array([np.nan if (v := _val(x)) is None else v for x in s.tolist()], dtype=float)


def _per_distinct(values: np.ndarray, fn: Any) -> np.ndarray:
    """``fn`` applied once per distinct value (missing → ``fn(None)``), mapped back: an object array."""
    codes, uniq = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    mapped = np.empty(len(uniq) + 1, dtype=object)
    for i, u in enumerate(uniq):
        mapped[i] = fn(u)
    mapped[-1] = fn(None)
    return mapped[codes]


def _mapped_codes(values: np.ndarray, fn: Any, table: dict[Any, int]) -> np.ndarray:
    """Integer codes of ``fn(value)`` for each value (missing → ``fn(None)``), ``fn`` once per distinct value.

    ``table`` maps each result to its code and grows as new results appear, so columns
    coded with one table share codes (a parent's code is its item's code).
    """
    codes, uniq = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    mapped = np.array([table.setdefault(fn(u), len(table)) for u in [*uniq.tolist(), None]], dtype=np.int64)
    return mapped[codes]


def _fmt_each(x: np.ndarray, decimals: int = 2) -> np.ndarray:
    """:func:`_fmt_num` of each value, formatted once per distinct value."""
    out = np.full(len(x), "空", dtype=object)
    ok = ~np.isnan(x)
    if ok.any():
        uniq, inv = np.unique(x[ok], return_inverse=True)
        out[ok] = np.array([_fmt_num(float(u), decimals) for u in uniq], dtype=object)[inv]
    return out


def _decimals_each(x: np.ndarray) -> np.ndarray:
    """:func:`perfeval._format.decimals_of` of each finite value (-1 for NaN), once per distinct value."""
    from perfeval._format import decimals_of

    out = np.full(len(x), -1, dtype=np.int64)
    ok = np.isfinite(x)
    if ok.any():
        uniq, inv = np.unique(x[ok], return_inverse=True)
        out[ok] = np.array([decimals_of(float(u)) for u in uniq], dtype=np.int64)[inv]
    return out


def _exact_code_sums(codes: np.ndarray, n_groups: int, values: np.ndarray, *, min_count: int = 1
                     ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`exact_sum` per group code (0 … ``n_groups`` − 1): the sum rounded at the inputs' precision.

    Returns the sums (NaN where fewer than ``min_count`` values are known) and the counts of known values.
    """
    known = ~np.isnan(values)
    total = np.bincount(codes, weights=np.where(known, values, 0.0), minlength=n_groups)
    count = np.bincount(codes, weights=known, minlength=n_groups).astype(np.int64)
    places = np.full(n_groups, -1, dtype=np.int64)
    np.maximum.at(places, codes, _decimals_each(values))
    rounded = np.where(places >= 0, _round_each(total, np.maximum(places, 0)) + 0.0, total)
    rounded[count < max(min_count, 0)] = np.nan
    return rounded, count


def _exact_row_sums(*cols: np.ndarray, min_count: int = 1) -> np.ndarray:
    """:func:`exact_sum` across a few aligned columns, row by row (NaN = blank)."""
    stack = np.vstack(cols)
    known = ~np.isnan(stack)
    n = known.sum(axis=0)
    total = np.where(known, stack, 0.0).sum(axis=0)
    places = np.vstack([_decimals_each(c) for c in cols]).max(axis=0)
    out = np.where(places >= 0, _round_each(total, np.maximum(places, 0)) + 0.0, total)
    out[n < max(min_count, 1)] = np.nan if min_count > 0 else 0.0
    return out


def _framework_index(ds: Any, dept: np.ndarray, year: np.ndarray, per_key: dict[tuple[str, int], Framework],
                     default_fw: Framework) -> tuple[np.ndarray, list[Framework]]:
    """For aligned (dept, year) arrays: each row's framework as an index into the returned list."""
    fws: list[Framework] = [default_fw]
    slot: dict[int, int] = {id(default_fw): 0}
    key_slot: dict[tuple[str, int], int] = {}
    for k, fw in per_key.items():
        if fw is default_fw:
            continue  # slot 0, as every key not listed
        if id(fw) not in slot:
            slot[id(fw)] = len(fws)
            fws.append(fw)
        key_slot[k] = slot[id(fw)]
    if not key_slot:
        return np.zeros(len(dept), dtype=np.int64), fws
    kd = np.array([k[0] for k in key_slot], dtype=object)
    ky = np.array([k[1] for k in key_slot], dtype=np.int64)
    pos = _match([dept, year.astype(np.int64)], [kd, ky])
    slots = np.array(list(key_slot.values()), dtype=np.int64)
    return np.where(pos >= 0, slots[np.maximum(pos, 0)], 0), fws


def _key_arrays(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``dept_id`` as str objects and ``year`` as int64, as the engine keys department-years."""
    if not len(df):
        return np.array([], dtype=object), np.array([], dtype=np.int64)
    col = df["dept_id"]
    dept = col.array.to_numpy(dtype=object) if isinstance(col.dtype, pd.StringDtype) else None
    if dept is None or pd.isna(dept).any():
        dept = np.array([str(d) for d in col.tolist()], dtype=object)
    return dept, df["year"].array.to_numpy(dtype=np.int64)  # the array's own to_numpy: no Series overhead


def _row_codes(*columns: np.ndarray, sizes: list[int] | None = None) -> np.ndarray:
    """One int64 code per row for the combination of ``columns`` (equal rows, equal codes)."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        c, uniq = pd.factorize(col, use_na_sentinel=False)
        code = code * (len(uniq) + 1) + c
    return code


def _match(left: list[np.ndarray], right: list[np.ndarray]) -> np.ndarray:
    """For each row of ``left`` (aligned columns), the position of the equal row of ``right`` (-1: none).

    ``right`` rows must be unique. Integer codes instead of a MultiIndex of tuples.
    """
    n = len(left[0])
    codes = _row_codes(*(np.concatenate([a, b]) for a, b in zip(left, right)))
    return pd.Index(codes[n:]).get_indexer(codes[:n])


def _only_keys(ds: Any, name: str, dept: np.ndarray, year: np.ndarray) -> Any:
    """A stand-in for ``ds`` whose frame ``name`` keeps only the rows of the given department-years."""

    df = _frame(ds, name)
    if df.empty:
        return SimpleNamespace(**{name: df})
    d, y = _key_arrays(df)
    codes = _row_codes(np.concatenate([d, dept]), np.concatenate([y, year]))
    return SimpleNamespace(**{name: df[np.isin(codes[:len(d)], codes[len(d):])]})


_IND_COLUMNS = [
    "dept_id", "year", "seq", "level1", "category", "level2", "name", "framework", "weight",
    "reported_score", "score", "ratio", "rule", "basis", "shortfall", "over_achievement", "band",
    "source", "source_row", "origin"]


def _score_indicators(ind: pd.DataFrame, fw_idx: np.ndarray, fws: list[Framework], ds: Any) -> pd.DataFrame:
    """Re-score every indicator row with whole-column operations, one pass per rule kind.

    The common kinds (quantitative ≥/=/≤ with a weight, qualitative) are computed as
    array formulas; the rare ones (metric rules, 不突破预算, a missing weight, an
    unknown rule) go through :func:`score_indicator`, the per-row reference.
    """
    n = len(ind)
    dept, year = _key_arrays(ind)
    get = ind.get
    weight = _floats(get("weight"), n)
    reported = _floats(get("score"), n)
    level1 = _objects(get("level1"), n)
    name = _objects(get("name"), n)
    t_raw = _per_distinct(_objects(get("target"), n), lambda v: "" if v is None else str(v).strip())
    a_raw = _per_distinct(_objects(get("actual"), n), lambda v: "" if v is None else str(v).strip())
    t_kind = _objects(get("target_kind"), n)
    a_kind = _objects(get("actual_kind"), n)
    t_val = _floats(get("target_value"), n)
    a_val = _floats(get("actual_value"), n)
    t_unit = _objects(get("target_unit"), n)
    a_unit = _objects(get("actual_unit"), n)
    vague_col = get("actual_vague")
    vague = (np.zeros(n, dtype=bool) if vague_col is None
             else vague_col.astype("boolean").fillna(False).to_numpy(dtype=bool))
    rule_given = _objects(get("rule"), n)
    if any(r is None for r in rule_given.tolist()):
        inferred = [
            _infer_rule(d, tk, to) for d, tk, to in zip(
                _objects(get("direction"), n).tolist(), t_kind.tolist(), _objects(get("target_op"), n).tolist())]
        rule = np.array([str(r) if r is not None else i for r, i in zip(rule_given.tolist(), inferred)], dtype=object)
    else:
        rule = _per_distinct(rule_given, str)  # one str object per distinct rule, not one per row

    score = np.full(n, np.nan)
    ratio = np.full(n, np.nan)
    basis = np.full(n, "", dtype=object)
    shortfall = np.zeros(n, dtype=bool)
    over = np.zeros(n, dtype=bool)
    band = np.full(n, None, dtype=object)
    category = np.full(n, None, dtype=object)
    fw_id = np.empty(n, dtype=object)
    slow = np.zeros(n, dtype=bool)

    for k, fw in enumerate(fws):
        sel = fw_idx == k
        if not sel.any():
            continue
        fw_id[sel] = fw.id
        category[sel] = _per_distinct(level1[sel], lambda v, fw=fw: (
            None if v is None else (c.name if (c := fw.category(v)) else _norm_category(v))))
        is_metric = _per_distinct(name[sel], lambda v, fw=fw: fw.metric_rule_for(v) is not None).astype(bool)
        r = rule[sel]
        has_w = ~np.isnan(weight[sel])
        qual = (r == "定性") & ~is_metric
        quant = np.isin(r, ["≥", "=", "≤"]) & ~is_metric & has_w
        budget = (r == "预算") & ~is_metric & has_w
        slow[np.flatnonzero(sel)[~(qual | quant | budget)]] = True
        if budget.any():
            rows = np.flatnonzero(sel)[budget]
            _score_budget_rows(rows, fw, ds, dept, year, name, weight, score, ratio, basis, shortfall)
        if qual.any():
            rows = np.flatnonzero(sel)[qual]
            _score_qualitative(rows, fw, weight, reported, t_raw, a_raw, score, basis, shortfall, band)
        if quant.any():
            rows = np.flatnonzero(sel)[quant]
            _score_quantitative_rows(rows, fw, rule, weight, t_raw, a_raw, t_kind, a_kind, t_val, a_val,
                                     t_unit, a_unit, vague, score, ratio, basis, shortfall, over)

    if slow.any():  # the per-row reference for the rare kinds
        finance = _budget_finance(ds, name[slow], dept[slow], year[slow])
        staffing = _staffing_lookup(_only_keys(ds, "staffing", dept[slow], year[slow]))
        at = np.flatnonzero(slow)
        for i, row in zip(at.tolist(), _tuples(ind, at)):
            row = row._replace(rule=rule[i])  # the rule inferred above where the column is blank
            key = (dept[i], int(year[i]))
            res = score_indicator(row, fws[fw_idx[i]], finance.get(key, {}), staffing.get(key))
            score[i] = np.nan if res["score"] is None else res["score"]
            ratio[i] = np.nan if res["ratio"] is None else res["ratio"]
            rule[i] = res["rule"]
            basis[i] = res["basis"]
            shortfall[i] = bool(res["shortfall"])
            over[i] = bool(res["over_achievement"])
            band[i] = res["band"]

    seq = (get("seq") if get("seq") is not None else ind.groupby(["dept_id", "year"]).cumcount() + 1)
    out = pd.DataFrame({
        "dept_id": pd.array(dept, dtype=STR),
        "year": pd.array(year, dtype="Int64"),
        "seq": pd.array(seq.to_numpy(dtype=np.int64), dtype="Int64"),
        "level1": _str_array(level1),
        "category": _str_array(category),
        "level2": _str_array(_objects(get("level2"), n)),
        "name": _str_array(name),
        "framework": pd.array(fw_id, dtype=STR),
        "weight": _float_array(weight),
        "reported_score": _float_array(reported),
        "score": _float_array(score),
        "ratio": _float_array(ratio),
        "rule": _str_array(rule),
        "basis": _str_array(basis),
        "shortfall": pd.array(shortfall, dtype="boolean"),
        "over_achievement": pd.array(over, dtype="boolean"),
        "band": _str_array(band),
        "source": _str_array(_objects(get("source"), n)),
        "source_row": pd.array(_objects(get("source_row"), n), dtype="Int64"),
        "origin": _str_array(_objects(get("origin"), n)),
    }, columns=_IND_COLUMNS)
    return out


@functools.lru_cache(maxsize=64)
def _row_class(columns: tuple[Any, ...]) -> Any:
    """The ``itertuples`` row class of these columns (made once: a namedtuple class costs a compile)."""
    from collections import namedtuple

    return namedtuple("Row", list(columns), rename=True)  # type: ignore[misc]


def _tuples(df: pd.DataFrame, rows: Any = None) -> Any:
    """``df.itertuples(index=False)`` (of ``df.iloc[rows]`` when given) from whole-column lists.

    No per-cell pandas access and no copy of the frame: each column's array is taken
    at ``rows`` and turned into a list once.
    """
    row = _row_class(tuple(df.columns))
    if rows is None:
        return map(row._make, zip(*(s.tolist() for _, s in df.items())))
    rows = np.asarray(rows, dtype=np.intp)
    if not len(rows):
        return iter(())
    return map(row._make, zip(*(s.array.take(rows).tolist() for _, s in df.items())))


def _budget_finance(ds: Any, names: np.ndarray, dept: np.ndarray, year: np.ndarray
                    ) -> dict[tuple[str, int], dict[str, dict[str, float | None]]]:
    """:func:`_finance_lookup` of only the lines :func:`_budget_item` can pick for indicators of
    these names (a label within a name, or 年度资金总额, also the total for metric rules), and only
    of these department-years: one mask over the finance rows, no filtered frames."""
    fin = _frame(ds, "finance")
    if fin.empty:
        return {}
    n = len(fin)
    fd, fy = _key_arrays(fin)
    label = _per_distinct(_objects(fin["item"], n), _clean_name)
    wanted = {_clean_name(float("nan") if v is None else v) for v in pd.unique(names)}
    pick = _per_distinct(label, lambda k: k == ROOT_ITEM or (
        bool(k) and k != CARRYOVER_ITEM and any(k in m for m in wanted))).astype(bool)
    codes = _row_codes(np.concatenate([fd, dept]), np.concatenate([fy, year]))
    rows = np.flatnonzero(pick & np.isin(codes[:n], codes[n:]))
    return _lookup_rows(fd[rows], fy[rows], label[rows],
                        [_floats(fin.get(c), n)[rows] for c in ("initial_budget", "adjusted_budget", "actual")])


def _score_budget_rows(rows: np.ndarray, fw: Framework, ds: Any, dept: np.ndarray, year: np.ndarray,
                       name: np.ndarray, weight: np.ndarray, score: np.ndarray, ratio: np.ndarray,
                       basis: np.ndarray, shortfall: np.ndarray) -> None:
    """不突破预算 rows with a weight: the finance line of each (:func:`_budget_item`), then :func:`_score_budget`'s rule over arrays."""
    finance = _budget_finance(ds, name[rows], dept[rows], year[rows])
    memo: dict[tuple[object, tuple[str, ...]], str] = {}
    items, actual, budget = [], np.full(len(rows), np.nan), np.full(len(rows), np.nan)
    for j, i in enumerate(rows.tolist()):
        lines = finance.get((dept[i], int(year[i])), {})
        sig = (name[i], tuple(lines))  # the line depends on the name and the department-year's lines (in order)
        item = memo.get(sig)
        if item is None:
            item = memo[sig] = _budget_item(float("nan") if name[i] is None else name[i], lines)
        items.append(item)
        rec = lines.get(item)
        if rec and rec["actual"] is not None and rec["adjusted_budget"] is not None:
            actual[j], budget[j] = rec["actual"], rec["adjusted_budget"]
    known = ~np.isnan(actual) & ~np.isnan(budget)
    w = weight[rows]
    within = known & (compare_array(actual, budget, fw.tolerance.money) <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = np.where(budget == 0, 1.0, np.minimum(1.0, np.maximum(0.0, (actual - budget) / np.abs(budget))))
        rat = np.where(known & (budget != 0), actual / budget, np.nan)
    cut = _round_each((1 - loss) * np.maximum(w, 0.0), fw.score_decimals)
    w_txt = _fmt_each(w)
    for j, i in enumerate(rows.tolist()):
        item = items[j]
        if not known[j]:
            basis[i] = f"不突破预算：缺少「{item}」的全年执行数或全年预算数，无法复核"
            continue
        ratio[i] = rat[j]
        if within[j]:
            score[i] = w[j]
            basis[i] = (f"不突破预算：「{item}」全年执行数{actual[j]:.4f}万元 ≤ 全年预算数{budget[j]:.4f}万元，"
                        f"达到，得满分{w_txt[j]}")
        else:
            shortfall[i] = True
            score[i] = cut[j]
            basis[i] = (f"突破预算：「{item}」全年执行数{actual[j]:.4f}万元 > 全年预算数{budget[j]:.4f}万元，"
                        "按反向指标扣分")


def _str_array(values: np.ndarray) -> Any:
    """Object values (``None`` for missing) as the public string dtype."""
    return pd.array(values, dtype=STR)


def _float_array(values: np.ndarray) -> Any:
    """Float values (NaN for missing) as nullable ``Float64`` (NaN becomes NA)."""
    return pd.array(values, dtype="Float64")


def _pair_codes(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, list[tuple[Any, Any]]]:
    """Codes of the distinct (left, right) pairs of two aligned object columns, and the pairs (missing: ``None``).

    Each column is hashed once; the pairs are integer codes (no tuples per row).
    """
    lc, lu = pd.factorize(pd.Series(left, dtype=object), use_na_sentinel=True)
    rc, ru = pd.factorize(pd.Series(right, dtype=object), use_na_sentinel=True)
    # a missing value (sentinel -1) gets the code after the last distinct value: the ``None`` appended below
    lc = np.where(lc < 0, len(lu), lc).astype(np.int64)
    rc = np.where(rc < 0, len(ru), rc).astype(np.int64)
    codes, uniq = pd.factorize(lc * (len(ru) + 1) + rc)
    lu_, ru_ = [*lu.tolist(), None], [*ru.tolist(), None]
    return codes, [(lu_[u // (len(ru) + 1)], ru_[u % (len(ru) + 1)]) for u in uniq.tolist()]


def _fill_texts(target: np.ndarray, mask: np.ndarray, fn: Any, *cols: np.ndarray, seen: dict[str, str]) -> None:
    """``target[i] = fn(cols[0][i], cols[1][i], …)`` for the rows ``i`` of ``mask`` (one f-string per row).

    Equal texts share one string object through ``seen`` (a province repeats most of them).
    """
    idx = np.flatnonzero(mask)
    if len(idx):
        target[idx] = [seen.setdefault(s, s) for s in map(fn, *(c[idx].tolist() for c in cols))]


def _score_qualitative(rows: np.ndarray, fw: Framework, weight: np.ndarray, reported: np.ndarray,
                       t_raw: np.ndarray, a_raw: np.ndarray, score: np.ndarray, basis: np.ndarray,
                       shortfall: np.ndarray, band_out: np.ndarray) -> None:
    """Qualitative rows: the band of each distinct (achieved, target) text, then the band range per row."""
    codes, uniq = _pair_codes(a_raw[rows], t_raw[rows])
    top_band = max(fw.qualitative, key=lambda b: b.high) if fw.qualitative else None
    bands_of: list[Band | None] = []
    why_of: list[str] = []
    for a, t in uniq:
        match = fw.match_band(a)
        b = match.band if match else None
        why = f"完成值中{match.describe()}" if match else ""
        if b is None and a and _clean_name(a) == _clean_name(t) and fw.qualitative:
            b, why = top_band, "完成值与指标值相同"
        bands_of.append(b)
        why_of.append(why)
    top = max((b.high for b in fw.qualitative), default=0.0)
    w = weight[rows]
    rep = reported[rows]
    has_band = np.array([b is not None for b in bands_of], dtype=bool)[codes]
    low = np.array([np.nan if b is None else b.low for b in bands_of], dtype=float)[codes] * w
    high = np.array([np.nan if b is None else b.high for b in bands_of], dtype=float)[codes] * w
    name = np.array([None if b is None else b.name for b in bands_of] + [None], dtype=object)[codes]
    why = np.array(why_of + [""], dtype=object)[codes]
    short = np.array([b is not None and b.high < top for b in bands_of] + [False], dtype=bool)[codes]
    tol = fw.tolerance.score
    inside = (compare_array(rep, low, tol) >= 0) & (compare_array(rep, high, tol) <= 0)
    clipped = _round_each(np.minimum(np.maximum(rep, low), high), fw.score_decimals)
    band_out[rows] = name
    shortfall[rows[has_band]] = short[has_band]
    no_w, no_rep = np.isnan(w), np.isnan(rep)
    scored = has_band & ~no_w
    lo_txt, hi_txt, rep_txt = (np.full(len(rows), "", dtype=object) for _ in range(3))
    lo_txt[scored], hi_txt[scored] = _fmt_each(low[scored]), _fmt_each(high[scored])
    out_rep = scored & ~no_rep & ~inside
    rep_txt[out_rep] = _fmt_each(rep[out_rep])
    out = np.empty(len(rows), dtype=object)

    texts: dict[str, str] = {}
    fill = functools.partial(_fill_texts, out, seen=texts)

    fill(~has_band, lambda a_: f"定性指标：完成值「{a_ or '空'}」不对应任何等级，保留填报得分", a_raw[rows])
    fill(has_band & no_w, lambda y, n: f"定性指标（{y}，等级「{n}」）：分值缺失，无法复核", why, name)
    fill(scored & no_rep, lambda y, n, lo, hi: f"定性指标：{y}，等级「{n}」对应 {lo}–{hi}分，未填得分，不予复核",
         why, name, lo_txt, hi_txt)
    fill(scored & ~no_rep & inside, lambda y, n, lo, hi: (
        f"定性指标：{y}，等级「{n}」对应 {lo}–{hi}分，填报得分在区间内，保留"), why, name, lo_txt, hi_txt)
    fill(out_rep, lambda y, n, lo, hi, r: (
        f"定性指标：{y}，等级「{n}」对应 {lo}–{hi}分，填报得分{r}超出区间，取最近端点"), why, name, lo_txt, hi_txt, rep_txt)
    basis[rows] = out
    keep = ~has_band | (scored & ~no_rep & inside)
    score[rows[keep]] = rep[keep]
    score[rows[out_rep]] = clipped[out_rep]


def _score_quantitative_rows(rows: np.ndarray, fw: Framework, rule_all: np.ndarray, weight_all: np.ndarray,
                             t_raw: np.ndarray, a_raw: np.ndarray, t_kind: np.ndarray, a_kind: np.ndarray,
                             t_val: np.ndarray, a_val: np.ndarray, t_unit: np.ndarray, a_unit: np.ndarray,
                             vague_all: np.ndarray, score: np.ndarray, ratio: np.ndarray, basis: np.ndarray,
                             shortfall: np.ndarray, over: np.ndarray) -> None:
    """≥ / = / ≤ rows with a weight: the shortfall formula of :func:`shortfall_share` over arrays."""
    rule = rule_all[rows]
    t = t_val[rows]
    a = a_val[rows]
    au, tu = a_unit[rows], t_unit[rows]
    no_target = (t_kind[rows] != "quantitative") | np.isnan(t)
    a_qual = ~no_target & (a_kind[rows] == "qualitative")
    no_actual = ~no_target & ~a_qual & np.isnan(a)
    # unit conversion, decided once per distinct (achieved unit, target unit)
    pair_codes, pairs = _pair_codes(au, tu)
    conv = np.array(a, dtype=float)
    bad_unit = np.zeros(len(rows), dtype=bool)
    for c, (pa, pt) in enumerate(pairs):  # convert_unit's rule, once per pair
        u = "" if pa is None else str(pa).strip()
        v = "" if pt is None else str(pt).strip()
        if u == v or not u or not v:
            continue
        m = pair_codes == c
        fu, ft = UNIT_FACTORS.get(u), UNIT_FACTORS.get(v)
        if fu and ft and fu[0] == ft[0]:
            conv[m] = a[m] * fu[1] / ft[1]
        else:
            bad_unit[m] = True
    bad_unit &= ~(no_target | a_qual | no_actual)
    ok = ~(no_target | a_qual | no_actual | bad_unit)

    le = rule == "≤"
    cmp = compare_array(conv, t)
    zero_eq = (rule == "=") & (t == 0)
    met = np.where(zero_eq, compare_array(conv, 0.0) == 0, np.where(le, cmp <= 0, cmp >= 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(le, conv - t, t - conv)
        loss = np.where(met, 0.0, np.where(t == 0, 1.0, np.minimum(1.0, np.maximum(0.0, gap / np.abs(t)))))
        rat = np.where(t == 0, np.nan, np.where(t > 0, conv / t, 1 + (conv - t) / np.abs(t)))
    w = np.maximum(weight_all[rows], 0.0)
    sc = np.where(loss == 0, w, _round_each(w * (1 - loss), fw.score_decimals))
    over_row = ~le & ~np.isnan(rat) & (compare_array(rat, fw.over_achievement) >= 0)

    # the basis text, case by case: one f-string per row, numbers formatted once per distinct value
    out = np.empty(len(rows), dtype=object)
    tr, ar, rl = t_raw[rows], a_raw[rows], rule
    vague = vague_all[rows]

    texts: dict[str, str] = {}
    fill = functools.partial(_fill_texts, out, seen=texts)

    def formatted(mask: np.ndarray, x: np.ndarray, decimals: int = 2) -> np.ndarray:
        txt = np.full(len(rows), "", dtype=object)
        txt[mask] = _fmt_each(x[mask], decimals)
        return txt

    fill(no_target, lambda r, t_: f"指标值「{t_ or '空'}」不是数值，无法按「{r}」复核", rl, tr)
    fill(a_qual, lambda a_, t_: f"完成值「{a_}」为定性描述，指标值「{t_}」为定量，无法复核", ar, tr)
    fill(no_actual, lambda a_: f"完成值「{a_ or '空'}」缺失或无法解析，无法复核", ar)
    fill(bad_unit, lambda u, v: f"完成值单位「{u}」与指标值单位「{v}」不一致，无法复核", au, tu)
    part = ok & (loss != 0)
    w_txt = formatted(ok, w)
    a4 = formatted(ok & vague, a, 4)
    c4, t4, abs_t4 = formatted(part, conv, 4), formatted(part, t, 4), formatted(part, np.abs(t), 4)
    a_txt = np.full(len(rows), "", dtype=object)
    _fill_texts(a_txt, ok, lambda a_, x, u, v: f"完成值「{a_}」按界值{x}{u or ''}计（表述不确切）" if v else f"完成值「{a_}」",
                ar, a4, au, vague, seen=texts)
    fill(ok & (loss == 0), lambda h, l_, t_, w_: f"{h}{'不超过' if l_ else '达到'}指标值「{t_}」，得满分{w_}",
         a_txt, le, tr, w_txt)
    head = np.full(len(rows), "", dtype=object)
    _fill_texts(head, part, lambda h, l_, t_: f"{h}{'超过' if l_ else '未达到'}指标值「{t_}」", a_txt, le, tr, seen=texts)
    fill(part & (t == 0), lambda h: f"{h}（指标值为0），得0分", head)
    fill(part & (t != 0) & le, lambda h, w_, c_, t_, m_: f"{h}：{w_} × (1 − ({c_}−{t_})/{m_})，最低0分",
         head, w_txt, c4, t4, abs_t4)
    fill(part & (t > 0) & ~le, lambda h, w_, c_, t_: f"{h}：{w_} × {c_}/{t_}", head, w_txt, c4, t4)
    fill(part & (t < 0) & ~le, lambda h, w_, c_, t_, m_: f"{h}：{w_} × (1 − ({t_}−{c_})/{m_})，最低0分",
         head, w_txt, c4, t4, abs_t4)
    basis[rows] = out
    okr = rows[ok]
    ratio[okr] = rat[ok]
    shortfall[okr] = loss[ok] > 0
    over[okr] = over_row[ok]
    score[okr] = sc[ok]


def _dept_year_frame(ds: Any) -> pd.DataFrame:
    """Every department-year of ``ds`` (evaluations ∪ indicators), sorted by department id, then year."""
    ds_, ys_ = [], []
    for name in ("evaluations", "indicators"):
        df = _frame(ds, name)
        if not df.empty:
            d, y = _key_arrays(df)
            ds_.append(d)
            ys_.append(y)
    if not ds_:
        return pd.DataFrame({"dept_id": pd.Series([], dtype=object), "year": pd.Series([], dtype=np.int64)})
    dept, year = distinct_dept_years(np.concatenate(ds_), np.concatenate(ys_))
    return pd.DataFrame({"dept_id": pd.Series(dept, dtype=object),  # object labels: no string dtype round trip
                         "year": year})


def _categories_frame(indicators: pd.DataFrame, ind_key: np.ndarray, keys: pd.DataFrame, key_fw: np.ndarray,
                      fws: list[Framework]) -> tuple[pd.DataFrame, np.ndarray]:
    """Category subtotals: the framework's categories for every key, then unknown ones in order of appearance.

    ``ind_key`` is each indicator's row in ``keys``. Groups are integer codes (key × category
    label); returns the frame and each of its rows' key.
    """
    cat_col = indicators["category"].to_numpy(dtype=object, na_value=None)
    ccode, clabels = pd.factorize(cat_col)
    has = ccode >= 0
    n_lab = len(clabels)
    gcode = ind_key[has] * n_lab + ccode[has]
    uniq, first, ginv = np.unique(gcode, return_index=True, return_inverse=True)
    n_g = len(uniq)
    first = np.flatnonzero(has)[first]  # each group's first indicator row

    def sums(col: str, min_count: int) -> tuple[np.ndarray, np.ndarray]:
        return _exact_code_sums(ginv, n_g, indicators[col].to_numpy(dtype=float, na_value=np.nan)[has],
                                min_count=min_count)

    score_sum, _ = sums("score", 0)
    weight_sum, weight_n = sums("weight", 1)
    reported, _ = sums("reported_score", 1)
    size = np.bincount(ginv, minlength=n_g)
    g_key = uniq // max(n_lab, 1)
    g_lab = uniq % max(n_lab, 1)
    label_of = {v: i for i, v in enumerate(clabels.tolist())}

    none_i, none_f = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=float)
    rows_key, rows_group, rows_label = [none_i], [none_i], [np.zeros(0, dtype=object)]
    rows_declared, rows_fw, rows_ord = [none_f], [none_i], [none_i]
    for k, fw in enumerate(fws):
        mine = np.flatnonzero(key_fw == k)
        if not len(mine):
            continue
        names = [c.name for c in fw.categories]
        # the framework's categories, for every key
        sk_key = np.repeat(mine, len(names))
        sk_lab = np.tile(np.array([label_of.get(c, -1) for c in names], dtype=np.int64), len(mine))
        at = np.searchsorted(uniq, sk_key * n_lab + sk_lab)
        at = np.minimum(at, max(n_g - 1, 0))
        hit = (sk_lab >= 0) & (uniq[at] == sk_key * n_lab + sk_lab) if n_g else np.zeros(len(sk_key), dtype=bool)
        rows_key.append(sk_key)
        rows_group.append(np.where(hit, at, -1))
        rows_label.append(np.tile(np.array(names, dtype=object), len(mine)))
        rows_declared.append(np.tile(np.array([c.weight for c in fw.categories], dtype=float), len(mine)))
        rows_fw.append(np.full(len(sk_key), k))
        rows_ord.append(np.tile(np.arange(len(names)), len(mine)))
        # categories the framework does not know, after them, in order of first appearance
        known_lab = np.array([label_of[c] for c in names if c in label_of], dtype=np.int64)
        extra = np.flatnonzero((key_fw[g_key] == k) & ~np.isin(g_lab, known_lab))
        extra = extra[np.argsort(first[extra], kind="stable")]
        rows_key.append(g_key[extra])
        rows_group.append(extra)
        rows_label.append(np.asarray(clabels, dtype=object)[g_lab[extra]] if len(extra) else np.array([], dtype=object))
        rows_declared.append(np.full(len(extra), np.nan))
        rows_fw.append(np.full(len(extra), k))
        rows_ord.append(len(names) + first[extra])
    cols = ["dept_id", "year", "framework", "level1", "declared_weight", "weight_sum", "weight_missing",
            "reported_score", "score"]
    r_key, r_group = np.concatenate(rows_key), np.concatenate(rows_group)
    order = np.lexsort((np.concatenate(rows_ord), r_key))
    r_key, r_group = r_key[order], r_group[order]
    r_fw = np.concatenate(rows_fw)[order]
    declared = np.concatenate(rows_declared)[order]
    g = np.maximum(r_group, 0)
    found = r_group >= 0

    def per_row(values: np.ndarray, blank: float) -> np.ndarray:
        return np.where(found, values[g], blank) if n_g else np.full(len(r_key), blank)

    score = per_row(score_sum, 0.0)
    score = np.where(np.isnan(score), 0.0, score)
    cap = np.array([f.cap_categories for f in fws])[r_fw]
    score = np.where(cap & ~np.isnan(declared), np.minimum(score, declared), score)
    rounded = np.full(len(score), np.nan)
    for k, fw in enumerate(fws):
        m = r_fw == k
        if m.any():
            rounded[m] = _round_each(score[m], fw.score_decimals)
    missing = per_row(size - weight_n, 0.0) if n_g else np.zeros(len(r_key))
    frame = pd.DataFrame({
        "dept_id": pd.array(keys["dept_id"].to_numpy(dtype=object)[r_key], dtype=STR),
        "year": pd.array(keys["year"].to_numpy(dtype=np.int64)[r_key], dtype="Int64"),
        "framework": pd.array(np.array([f.id for f in fws], dtype=object)[r_fw], dtype=STR),
        "level1": pd.array(np.concatenate(rows_label)[order], dtype=STR),
        "declared_weight": _float_array(declared),
        "weight_sum": _float_array(per_row(weight_sum, np.nan)),
        "weight_missing": pd.array(missing.astype(np.int64), dtype="Int64"),
        "reported_score": _float_array(per_row(reported, np.nan)),
        "score": _float_array(rounded),
    }, columns=cols)
    return frame, r_key


def _last_row_per_key(df: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
    """For each row of ``keys``, the position of its department-year's row in ``df``: the last when it is
    given twice, -1 when there is none."""
    pos = np.full(len(keys), -1, dtype=np.int64)
    if len(df):
        d, y = _key_arrays(df)
        at = _match([d, y], [keys["dept_id"].to_numpy(dtype=object), keys["year"].to_numpy(dtype=np.int64)])
        np.maximum.at(pos, at[at >= 0], np.flatnonzero(at >= 0))
    return pos


def _execution_rates(ds: Any, keys: pd.DataFrame, key_fw: np.ndarray, fws: list[Framework]) -> np.ndarray:
    """:func:`execution_rate` of every key: 年度资金总额 actual ÷ its budget on the framework's basis."""
    fin = _frame(ds, "finance")
    rate = np.full(len(keys), np.nan)
    if fin.empty:
        return rate
    item = _per_distinct(_objects(fin["item"], len(fin)), lambda v: _clean_name(v))
    root = fin[item == ROOT_ITEM]
    if root.empty:
        return rate
    row = _last_row_per_key(root, keys)  # each key's 年度资金总额 row

    def at_key(col: str) -> np.ndarray:
        return np.where(row >= 0, _floats(root.get(col), len(root))[np.maximum(row, 0)], np.nan)

    basis = np.array(["adjusted" if fws[k].execution.basis == "adjusted" else "initial" for k in range(len(fws))])
    budget = np.where(basis[key_fw] == "adjusted", at_key("adjusted_budget"), at_key("initial_budget"))
    actual = at_key("actual")
    ok = ~np.isnan(actual) & ~np.isnan(budget) & (budget != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(ok, actual / budget, np.nan)
    return rate


def _execution_scores(rate: np.ndarray, fw: Framework) -> np.ndarray:
    """:func:`score_execution` over an array of rates (NaN: no rate, no score)."""
    w = fw.execution.weight
    if fw.execution.rule == "linear":
        s = np.minimum(w, np.maximum(0.0, rate * w))
        return _round_each(s, fw.score_decimals)
    pct = rate * 100
    share = np.zeros(len(rate))
    done = np.zeros(len(rate), dtype=bool)
    for tier in fw.execution.tiers:
        hit = ~done & _tier_mask(tier, pct)
        share[hit] = tier.value
        done |= hit
    return np.where(np.isnan(rate), np.nan, _round_each(share * w, fw.score_decimals))


def _tier_mask(tier: Tier, x: np.ndarray) -> np.ndarray:
    """:meth:`Tier.matches` over an array (bounds by :func:`compare_array`)."""
    m = ~np.isnan(x)
    if tier.gt is not None:
        m &= compare_array(x, tier.gt) > 0
    if tier.ge is not None:
        m &= compare_array(x, tier.ge) >= 0
    if tier.lt is not None:
        m &= compare_array(x, tier.lt) < 0
    if tier.le is not None:
        m &= compare_array(x, tier.le) <= 0
    return m


def _grades(total: np.ndarray, fw: Framework) -> np.ndarray:
    """:meth:`Framework.grade_for` over an array of totals."""
    out = np.full(len(total), None, dtype=object)
    done = np.isnan(total)
    for g in sorted(fw.grades, key=lambda g: -g.min):
        hit = ~done & (compare_array(total, g.min) >= 0)
        out[hit] = g.name
        done |= hit
    return out


def _totals_frame(ds: Any, indicators: pd.DataFrame, ind_key: np.ndarray, categories: pd.DataFrame,
                  cat_key: np.ndarray, keys: pd.DataFrame, key_fw: np.ndarray, fws: list[Framework]) -> pd.DataFrame:
    """One row per department-year: execution score, reported and re-scored totals, grades.

    ``ind_key`` and ``cat_key`` are the rows of ``keys`` that each indicator and category belongs to.
    """
    n = len(keys)
    items_rep, _ = _exact_code_sums(ind_key, n, indicators["reported_score"].to_numpy(dtype=float, na_value=np.nan))
    cat_score = categories["score"].to_numpy(dtype=float, na_value=np.nan)
    cat_sum, _ = _exact_code_sums(cat_key, n, cat_score, min_count=0)
    weighted = indicators["weight"].notna().to_numpy()
    unscored = np.bincount(ind_key[indicators["score"].isna().to_numpy() & weighted], minlength=n).astype(np.int64)
    # nothing re-scored (every weighted indicator unscored): no re-scored total rather than a misleading 0
    nothing_scored = (unscored > 0) & (unscored == np.bincount(ind_key[weighted], minlength=n))

    ev = _frame(ds, "evaluations")
    ev_pos = _last_row_per_key(ev, keys)  # each key's evaluation row
    has_e = ev_pos >= 0
    safe = np.maximum(ev_pos, 0)

    def ev_float(col: str) -> np.ndarray:
        if col not in ev.columns:
            return np.full(n, np.nan)
        return np.where(has_e, _floats(ev[col], len(ev))[safe], np.nan) if len(ev) else np.full(n, np.nan)

    rate = _execution_rates(ds, keys, key_fw, fws)
    rate = np.where(np.isnan(rate), ev_float("execution_rate_value"), rate)
    exec_rep = ev_float("execution_score")
    exec_score = np.full(n, np.nan)
    exec_weight = np.full(n, np.nan)
    total = np.full(n, np.nan)
    grade = np.full(n, None, dtype=object)
    grade_norm = np.full(n, None, dtype=object)
    fw_id = np.empty(n, dtype=object)
    if "grade" in ev.columns and len(ev):
        raw = _per_distinct(_objects(ev["grade"], len(ev)), lambda v: None if v is None else str(v))
        grade_rep = np.where(has_e, raw[safe], None)
    else:
        grade_rep = np.full(n, None, dtype=object)
    items_total = _exact_row_sums(items_rep, np.where(has_e, exec_rep, np.nan))
    for k, fw in enumerate(fws):
        m = key_fw == k
        if not m.any():
            continue
        fw_id[m] = fw.id
        exec_weight[m] = fw.execution.weight
        exec_score[m] = _execution_scores(rate[m], fw)
        t = _exact_row_sums(cat_sum[m], exec_score[m], min_count=0)
        total[m] = np.where(nothing_scored[m], np.nan, _round_each(t, fw.score_decimals))
        grade_norm[m] = _per_distinct(grade_rep[m], fw.normalise_grade)
        g = _grades(total[m], fw)
        g[unscored[m] > 0] = None
        grade[m] = g
    cols = ["dept_id", "year", "framework", "execution_rate", "execution_weight",
            "execution_score_reported", "execution_score", "total_weight", "total_reported",
            "total_items_reported", "total", "unscored", "grade_reported", "grade_reported_normalised", "grade"]
    return pd.DataFrame({
        "dept_id": pd.array(keys["dept_id"].to_numpy(dtype=object), dtype=STR),
        "year": pd.array(keys["year"].to_numpy(dtype=object), dtype="Int64"),
        "framework": pd.array(fw_id, dtype=STR),
        "execution_rate": _float_array(rate),
        "execution_weight": _float_array(exec_weight),
        "execution_score_reported": _float_array(exec_rep),
        "execution_score": _float_array(exec_score),
        "total_weight": _float_array(ev_float("total_weight")),
        "total_reported": _float_array(ev_float("total_score")),
        "total_items_reported": _float_array(items_total),
        "total": _float_array(total),
        "unscored": pd.array(unscored, dtype="Int64"),
        "grade_reported": pd.array(grade_rep, dtype=STR),
        "grade_reported_normalised": pd.array(grade_norm, dtype=STR),
        "grade": pd.array(grade, dtype=STR),
    }, columns=cols)


def rescore(ds: Any, framework: str | Path | Framework | None = None) -> Scorecard:
    """Re-score every dept-year of ``ds`` under its framework.

    Parameters
    ----------
    ds
        A :class:`perfeval.Dataset` (or any object with the same frame attributes).
    framework
        Framework id, TOML path or :class:`Framework`; used for dept-years whose
        ``evaluations.framework`` is blank. ``None`` means ``national_2020``.

    Returns
    -------
    Scorecard
        ``indicators``, ``categories`` and ``totals`` frames; reported and
        re-scored values side by side. ``ds`` is not modified.

    Notes
    -----
    A category subtotal is the sum of its re-scored items, capped at the declared
    weight when the framework sets ``cap_categories`` (the default). Items that
    cannot be re-scored (``score`` NA, see ``basis``) count 0 towards the totals;
    ``totals.unscored`` counts them, and such a total gets no ``grade`` (it is
    not comparable with a complete one). When no weighted item could be re-scored
    (a form without 指标值 and 完成值), ``total`` is NA, not the execution score alone.
    Categories the framework does not know are added uncapped.

    The work is done over whole frames: each rule kind is an array formula over the
    rows of that kind (:func:`score_indicator` stays the per-row reference, used for
    the rare kinds), subtotals and totals are group sums.
    """
    default_fw = load_framework(framework)
    per_key = _framework_for(ds, framework)
    ind = _frame(ds, "indicators")
    ind = _ensure_parsed(ind) if not ind.empty else ind
    if ind.empty:
        indicators = _typed(pd.DataFrame(columns=_IND_COLUMNS),
                            floats=("weight", "reported_score", "score", "ratio"), ints=("year", "seq", "source_row"),
                            strings=("dept_id", "level1", "category", "level2", "name", "framework",
                                     "rule", "basis", "band", "source", "origin"),
                            bools=("shortfall", "over_achievement"))
    else:
        d, y = _key_arrays(ind)
        fw_idx, fws = _framework_index(ds, d, y, per_key, default_fw)
        indicators = _score_indicators(ind, fw_idx, fws, ds)
    keys = _dept_year_frame(ds)
    key_fw, fws = _framework_index(ds, keys["dept_id"].to_numpy(), keys["year"].to_numpy(), per_key, default_fw)
    ind_key = (_match([*_key_arrays(indicators)], [keys["dept_id"].to_numpy(dtype=object),
                                                    keys["year"].to_numpy(dtype=np.int64)])
               if len(indicators) else np.zeros(0, dtype=np.int64))
    categories, cat_key = _categories_frame(indicators, ind_key, keys, key_fw, fws)
    totals = _totals_frame(ds, indicators, ind_key, categories, cat_key, keys, key_fw, fws)
    release_memory(len(indicators))
    return Scorecard(indicators=indicators, categories=categories, totals=totals)


def _staffing_lookup(ds: Any) -> dict[tuple[str, int], dict[str, float | None]]:
    st = _frame(ds, "staffing")
    out: dict[tuple[str, int], dict[str, float | None]] = {}
    if st.empty:
        return out
    n = len(st)
    dept, year = _key_arrays(st)
    quota, actual = ([None if v != v else v for v in _floats(st.get(c), n).tolist()] for c in ("quota", "actual"))
    source, source_row = _objects(st.get("source"), n).tolist(), _objects(st.get("source_row"), n).tolist()
    for d, y, q, a, s_, r in zip(dept.tolist(), year.tolist(), quota, actual, source, source_row):
        out[(d, y)] = {"quota": q, "actual": a, "source": s_, "source_row": r}
    return out


def _typed(df: pd.DataFrame, *, floats: tuple[str, ...] = (), ints: tuple[str, ...] = (),
           strings: tuple[str, ...] = (), bools: tuple[str, ...] = ()) -> pd.DataFrame:
    df = df.copy()
    for c in floats:
        df[c] = pd.array([_val(v) for v in df[c]], dtype="Float64")
    for c in ints:
        df[c] = pd.array([None if _isna(v) else int(v) for v in df[c]], dtype="Int64")
    for c in strings:
        df[c] = pd.array([None if _isna(v) else str(v) for v in df[c]], dtype=STR)
    for c in bools:
        df[c] = pd.array([bool(v) for v in df[c]], dtype="boolean")
    return df
