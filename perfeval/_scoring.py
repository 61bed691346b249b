"""Re-scoring a dataset under a scoring framework (:mod:`perfeval._framework`).

:func:`rescore` recomputes each indicator's score, the execution score, the category
subtotals, the total and the grade, side by side with what the department reported.
Every threshold ("target met", tiers, grades) is compared with the one rule of
:func:`perfeval._values.compare`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from perfeval._dataset import STR
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
from perfeval._values import as_float, at_least, at_most, compare, convert_unit, is_missing
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
    """(dept, year) -> item -> {initial_budget, adjusted_budget, actual}."""
    fin = _frame(ds, "finance")
    out: dict[tuple[str, int], dict[str, dict[str, float | None]]] = {}
    if fin.empty:
        return out
    for row in fin.itertuples(index=False):
        key = (str(row.dept_id), int(row.year))
        out.setdefault(key, {})[_clean_name(row.item)] = {
            "initial_budget": _val(getattr(row, "initial_budget", None)),
            "adjusted_budget": _val(getattr(row, "adjusted_budget", None)),
            "actual": _val(getattr(row, "actual", None)),
        }
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


def _dept_years(ds: Any) -> list[tuple[str, int]]:
    keys: set[tuple[str, int]] = set()
    for name in ("evaluations", "indicators"):
        df = _frame(ds, name)
        if not df.empty:
            keys.update((str(d), int(y)) for d, y in zip(df["dept_id"], df["year"]))
    return sorted(keys)


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
    not comparable with a complete one).
    Categories the framework does not know are added uncapped.
    """
    default_fw = load_framework(framework)
    per_key = _framework_for(ds, framework)
    finance = _finance_lookup(ds)
    staffing = _staffing_lookup(ds)
    ind = _frame(ds, "indicators")
    ind = _ensure_parsed(ind) if not ind.empty else ind

    rows = []
    if not ind.empty:
        seqs = ind["seq"] if "seq" in ind.columns else ind.groupby(["dept_id", "year"]).cumcount() + 1
        for row, seq in zip(ind.itertuples(index=False), seqs):
            key = (str(row.dept_id), int(row.year))
            fw = per_key.get(key, default_fw)
            res = score_indicator(row, fw, finance.get(key, {}), staffing.get(key))
            cat = fw.category(row.level1)
            rows.append({
                "dept_id": key[0], "year": key[1], "seq": int(seq),
                "level1": None if _isna(row.level1) else str(row.level1),
                "category": cat.name if cat else (None if _isna(row.level1) else _norm_category(row.level1)),
                "level2": None if _isna(row.level2) else str(row.level2),
                "name": None if _isna(row.name) else str(row.name),
                "framework": fw.id,
                "weight": _val(row.weight), "reported_score": _val(row.score),
                "score": res["score"], "ratio": res["ratio"], "rule": res["rule"],
                "basis": res["basis"], "shortfall": bool(res["shortfall"]),
                "over_achievement": bool(res["over_achievement"]), "band": res["band"],
                "source": getattr(row, "source", None), "source_row": getattr(row, "source_row", None),
                "origin": getattr(row, "origin", None),
            })
    indicators = pd.DataFrame(rows, columns=[
        "dept_id", "year", "seq", "level1", "category", "level2", "name", "framework", "weight",
        "reported_score", "score", "ratio", "rule", "basis", "shortfall", "over_achievement", "band",
        "source", "source_row", "origin"])
    indicators = _typed(indicators, floats=("weight", "reported_score", "score", "ratio"),
                        ints=("year", "seq", "source_row"),
                        strings=("dept_id", "level1", "category", "level2", "name", "framework",
                                 "rule", "basis", "band", "source", "origin"),
                        bools=("shortfall", "over_achievement"))

    # categories
    cat_rows = []
    parts, reported_by_key = _category_parts(indicators)
    for key in _dept_years(ds):
        fw = per_key.get(key, default_fw)
        mine = parts.get(key, {})
        names = [c.name for c in fw.categories]
        extra = [c for c in mine if c not in names]
        for cname in names + extra:
            cat = next((c for c in fw.categories if c.name == cname), None)
            part = mine.get(cname)
            score_sum = exact_sum(part["score"] if part else [], min_count=0)
            declared = cat.weight if cat else None
            score = min(score_sum, declared) if (declared is not None and fw.cap_categories) else score_sum
            cat_rows.append({
                "dept_id": key[0], "year": key[1], "framework": fw.id, "level1": cname,
                "declared_weight": declared,
                "weight_sum": exact_sum(part["weight"]) if part else None,
                "weight_missing": part["weight_missing"] if part else 0,
                "reported_score": exact_sum(part["reported"]) if part else None,
                "score": round(score, fw.score_decimals),
            })
    categories = pd.DataFrame(cat_rows, columns=[
        "dept_id", "year", "framework", "level1", "declared_weight", "weight_sum", "weight_missing",
        "reported_score", "score"])
    categories = _typed(categories, floats=("declared_weight", "weight_sum", "reported_score", "score"),
                        ints=("year", "weight_missing"), strings=("dept_id", "framework", "level1"))
    cat_scores: dict[tuple[str, int], list[float]] = {}
    for d, y, sc in zip(categories["dept_id"], categories["year"], categories["score"]):
        if not _isna(sc):
            cat_scores.setdefault((str(d), int(y)), []).append(float(sc))

    # totals
    ev = _frame(ds, "evaluations")
    ev_by_key = {}
    if not ev.empty:
        for row in ev.itertuples(index=False):
            ev_by_key[(str(row.dept_id), int(row.year))] = row
    unscored_by_key: dict[tuple[str, int], int] = {}
    for d, y, sc, w in zip(indicators["dept_id"], indicators["year"], indicators["score"], indicators["weight"]):
        if _isna(sc) and not _isna(w):
            unscored_by_key[(str(d), int(y))] = unscored_by_key.get((str(d), int(y)), 0) + 1
    tot_rows = []
    for key in _dept_years(ds):
        fw = per_key.get(key, default_fw)
        e = ev_by_key.get(key)
        rate, rate_basis = execution_rate(finance.get(key, {}), fw.execution.basis)
        if rate is None and e is not None:
            rate = _val(getattr(e, "execution_rate_value", None))
        exec_score, _ = score_execution(rate, fw)
        exec_rep = _val(getattr(e, "execution_score", None)) if e is not None else None
        items_rep = exact_sum(reported_by_key.get(key, []))
        if items_rep is None and exec_rep is None:
            total_items = None
        else:
            total_items = exact_sum([items_rep, exec_rep])
        total = exact_sum([*cat_scores.get(key, []), exec_score], min_count=0)
        total = round(total, fw.score_decimals)
        # items with a weight that could not be re-scored count 0: such a total is not comparable, so no grade
        unscored = unscored_by_key.get(key, 0)
        grade_rep = None if e is None or _isna(getattr(e, "grade", None)) else str(e.grade)
        tot_rows.append({
            "dept_id": key[0], "year": key[1], "framework": fw.id,
            "execution_rate": rate, "execution_weight": fw.execution.weight,
            "execution_score_reported": exec_rep, "execution_score": exec_score,
            "total_weight": _val(getattr(e, "total_weight", None)) if e is not None else None,
            "total_reported": _val(getattr(e, "total_score", None)) if e is not None else None,
            "total_items_reported": total_items, "total": total, "unscored": unscored,
            "grade_reported": grade_rep, "grade_reported_normalised": fw.normalise_grade(grade_rep),
            "grade": fw.grade_for(total) if not unscored else None,
        })
    totals = pd.DataFrame(tot_rows, columns=[
        "dept_id", "year", "framework", "execution_rate", "execution_weight",
        "execution_score_reported", "execution_score", "total_weight", "total_reported",
        "total_items_reported", "total", "unscored", "grade_reported", "grade_reported_normalised", "grade"])
    totals = _typed(totals, floats=("execution_rate", "execution_weight", "execution_score_reported",
                                    "execution_score", "total_weight", "total_reported",
                                    "total_items_reported", "total"),
                    ints=("year", "unscored"), strings=("dept_id", "framework", "grade_reported",
                                             "grade_reported_normalised", "grade"))
    return Scorecard(indicators=indicators, categories=categories, totals=totals)


def _category_parts(ind: pd.DataFrame) -> tuple[dict[tuple[str, int], dict[str, dict[str, Any]]],
                                                 dict[tuple[str, int], list[float]]]:
    """In one pass: (dept_id, year) -> category -> its scores, weights and reported scores;
    and (dept_id, year) -> every reported score (whatever the category), in row order.

    Categories appear in the order of their first indicator (as ``unique()`` gives them).
    """
    out: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
    reported: dict[tuple[str, int], list[float]] = {}
    if ind.empty:
        return out, reported
    for d, y, cat, w, rep, sc in zip(ind["dept_id"], ind["year"], ind["category"], ind["weight"],
                                     ind["reported_score"], ind["score"]):
        key = (str(d), int(y))
        if not _isna(rep):
            reported.setdefault(key, []).append(float(rep))
        if _isna(cat):
            continue
        part = out.setdefault(key, {}).setdefault(str(cat), {
            "score": [], "weight": [], "weight_missing": 0, "reported": []})
        if not _isna(sc):
            part["score"].append(float(sc))
        if _isna(w):
            part["weight_missing"] += 1
        else:
            part["weight"].append(float(w))
        if not _isna(rep):
            part["reported"].append(float(rep))
    return out, reported


def _by_key(df: pd.DataFrame) -> dict[tuple[str, int], pd.DataFrame]:
    """(dept_id, year) -> that department-year's rows, grouped once (not one row mask per key)."""
    if df.empty:
        return {}
    return {(str(d), int(y)): g for (d, y), g in df.groupby(["dept_id", "year"], sort=False)}


def _staffing_lookup(ds: Any) -> dict[tuple[str, int], dict[str, float | None]]:
    st = _frame(ds, "staffing")
    out: dict[tuple[str, int], dict[str, float | None]] = {}
    if st.empty:
        return out
    for row in st.itertuples(index=False):
        out[(str(row.dept_id), int(row.year))] = {
            "quota": _val(getattr(row, "quota", None)), "actual": _val(getattr(row, "actual", None)),
            "source": getattr(row, "source", None), "source_row": getattr(row, "source_row", None),
        }
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
