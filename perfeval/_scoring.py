"""Scoring frameworks as data (TOML) and re-scoring a dataset under one.

A framework (``perfeval/frameworks/<id>.toml``, or any TOML file of the same shape)
holds the execution rule, the category weights, the qualitative grade bands, the
grade thresholds and the tolerances; ``docs/frameworks.md`` documents every key.
:func:`rescore` recomputes each indicator's score, the execution score, the category
subtotals, the total and the grade, side by side with what the department reported.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from perfeval._errors import FrameworkError
from perfeval._format import exact_sum, fmt_trim
from perfeval._schema import CARRYOVER_ITEM, ROOT_ITEM

FRAMEWORKS_DIR: Path = Path(__file__).resolve().parent / "frameworks"
DEFAULT_FRAMEWORK: str = "national_2020"

__all__ = [
    "Band",
    "Category",
    "DEFAULT_FRAMEWORK",
    "ExecutionRule",
    "Framework",
    "FrameworkError",
    "Grade",
    "MetricRule",
    "Scorecard",
    "Tier",
    "Tolerance",
    "list_frameworks",
    "load_framework",
    "rescore",
]


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Tier:
    """One tier of a tiered rule: matches ``x`` when every given bound holds.

    Bounds are in percent (``ge=95`` means "≥ 95%"); ``value`` is a share of the
    weight (execution tiers) or points (metric rules).
    """

    value: float
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    def matches(self, x: float) -> bool:
        """Whether ``x`` (percent) falls in this tier."""
        return (
            (self.gt is None or x > self.gt)
            and (self.ge is None or x >= self.ge)
            and (self.lt is None or x < self.lt)
            and (self.le is None or x <= self.le)
        )

    def describe(self) -> str:
        """Chinese description of the tier's bounds, e.g. ``(10%, 20%]``."""
        parts = []
        if self.gt is not None:
            parts.append(f">{_fmt_num(self.gt)}%")
        if self.ge is not None:
            parts.append(f"≥{_fmt_num(self.ge)}%")
        if self.lt is not None:
            parts.append(f"<{_fmt_num(self.lt)}%")
        if self.le is not None:
            parts.append(f"≤{_fmt_num(self.le)}%")
        return "且".join(parts) or "任意"


@dataclass(frozen=True)
class ExecutionRule:
    """How the budget-execution score is computed.

    ``rule`` is ``linear`` (rate × weight, capped at weight) or ``tiered``; ``basis``
    is ``adjusted`` (全年预算数) or ``initial`` (年初预算数).
    """

    weight: float
    rule: str = "linear"
    basis: str = "adjusted"
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True)
class Category:
    """A first-level category (一级指标) with its declared weight."""

    name: str
    weight: float
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Band:
    """A qualitative grade band: share of the weight ``[low, high]`` and its phrases."""

    name: str
    low: float
    high: float
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Grade:
    """A grade (优/良/中/差) reached at ``min`` points, with written synonyms."""

    name: str
    min: float
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetricRule:
    """An indicator scored from the finance/staffing data instead of its text.

    ``metric`` is ``adjustment_rate`` (|全年预算 − 年初预算| / 年初预算) or
    ``staff_control_rate`` (实际在职人数 / 编制数), both in percent. Either
    ``tiers`` give points for a weight of ``weight``, or the score is full up to
    ``full_at_or_below`` and loses ``per_point`` points per percentage point over.
    Points scale to the indicator's own weight.
    """

    match: str
    metric: str
    weight: float
    tiers: tuple[Tier, ...] = ()
    full_at_or_below: float | None = None
    per_point: float | None = None


@dataclass(frozen=True)
class Tolerance:
    """Tolerances: execution rate in percentage points, scores in points, money in 万元."""

    rate_pp: float = 0.5
    score: float = 0.05
    money: float = 0.0001


@dataclass(frozen=True)
class Framework:
    """A scoring framework loaded from TOML (see ``docs/frameworks.md``)."""

    id: str
    name: str
    total: float
    execution: ExecutionRule
    categories: tuple[Category, ...]
    qualitative: tuple[Band, ...]
    grades: tuple[Grade, ...]
    tolerance: Tolerance = field(default_factory=Tolerance)
    metric_rules: tuple[MetricRule, ...] = ()
    description: str = ""
    score_decimals: int = 2
    over_achievement: float = 1.30
    cap_categories: bool = True
    path: str = ""

    # -- lookups ---------------------------------------------------------------
    def category(self, level1: object) -> Category | None:
        """The category a written 一级指标 belongs to (``产出指标（50分）`` → 产出)."""
        key = _norm_category(level1)
        if not key:
            return None
        for cat in self.categories:
            names = (cat.name, *cat.aliases)
            if any(_norm_category(n) == key for n in names):
                return cat
        return None

    def grade_for(self, total: float | None) -> str | None:
        """The grade earned by ``total`` points (NA → ``None``)."""
        if total is None or _isna(total):
            return None
        for g in sorted(self.grades, key=lambda g: -g.min):
            if total >= g.min - 1e-9:
                return g.name
        return None

    def normalise_grade(self, text: object) -> str | None:
        """Map a written grade (优秀, 良好, 合格 …) to its canonical name, else ``None``."""
        if text is None or _isna(text):
            return None
        t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
        if not t:
            return None
        for g in self.grades:
            if t == g.name or t in g.synonyms:
                return g.name
        return None

    def band_for(self, text: object) -> Band | None:
        """The qualitative band whose longest phrase occurs in ``text``."""
        if text is None or _isna(text):
            return None
        t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
        best: tuple[int, Band] | None = None
        for band in self.qualitative:
            for p in band.phrases:
                if p and p in t and (best is None or len(p) > best[0]):
                    best = (len(p), band)
        return best[1] if best else None

    def metric_rule_for(self, name: object) -> MetricRule | None:
        """The metric rule whose ``match`` occurs in the indicator ``name``."""
        if name is None or _isna(name):
            return None
        t = re.sub(r"\s+", "", str(name))
        for r in self.metric_rules:
            if r.match in t:
                return r
        return None


# --------------------------------------------------------------------------- loading


def list_frameworks() -> list[str]:
    """Ids of the frameworks shipped with perfeval (``national_2020`` is the default).

    >>> "national_2020" in list_frameworks()
    True
    """
    return sorted(p.stem for p in FRAMEWORKS_DIR.glob("*.toml"))


def load_framework(name_or_path: str | Path | Framework | None = None) -> Framework:
    """Load a framework by id (shipped) or from a TOML file path.

    Parameters
    ----------
    name_or_path
        A shipped id (see :func:`list_frameworks`), a path to a ``.toml`` file, an
        already loaded :class:`Framework` (returned as is), or ``None`` for the
        default ``national_2020``.

    Returns
    -------
    Framework

    Raises
    ------
    FrameworkError
        Unknown id, unreadable file, or a key missing or malformed; the message
        names the file and the key.
    """
    if isinstance(name_or_path, Framework):
        return name_or_path
    if name_or_path is None or (isinstance(name_or_path, str) and not name_or_path.strip()):
        name_or_path = DEFAULT_FRAMEWORK
    text = str(name_or_path).strip()
    path = Path(text)
    if path.suffix.lower() != ".toml" and not path.exists():
        path = FRAMEWORKS_DIR / f"{text}.toml"
        if not path.exists():
            raise FrameworkError(
                f"未知的评分框架「{text}」：内置框架有 {', '.join(list_frameworks())}，"
                "或请给出 .toml 文件路径"
            )
    return _load_path(str(path.resolve()))


@lru_cache(maxsize=32)
def _load_path(path: str) -> Framework:
    p = Path(path)
    if not p.exists():
        raise FrameworkError(f"评分框架文件 {path} 不存在")
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(f"评分框架文件 {path} 不是有效的 TOML：{exc}") from exc
    except OSError as exc:
        raise FrameworkError(f"评分框架文件 {path} 无法读取：{exc}") from exc
    return _framework_from_dict(data, path)


_TOP_KEYS = {
    "id", "name", "description", "total", "score_decimals", "over_achievement",
    "cap_categories", "execution", "categories", "qualitative", "grades", "tolerance",
    "metric_rules",
}


def _framework_from_dict(data: dict[str, Any], path: str) -> Framework:
    def err(key: str, expected: str, raw: object) -> FrameworkError:
        return FrameworkError(f"评分框架文件 {path}：键 {key} 应为{expected}，实际为 {raw!r}")

    def num(d: dict[str, Any], key: str, where: str, *, required: bool = True,
            default: float | None = None, minimum: float | None = None) -> float | None:
        if key not in d:
            if required:
                raise FrameworkError(f"评分框架文件 {path}：缺少键 {where}{key}")
            return default
        v = d[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise err(where + key, "数值", v)
        if minimum is not None and v < minimum:
            raise err(where + key, f"不小于 {minimum} 的数值", v)
        return float(v)

    def text(d: dict[str, Any], key: str, where: str, *, required: bool = True, default: str = "") -> str:
        if key not in d:
            if required:
                raise FrameworkError(f"评分框架文件 {path}：缺少键 {where}{key}")
            return default
        v = d[key]
        if not isinstance(v, str) or not v.strip():
            raise err(where + key, "非空字符串", v)
        return v.strip()

    def strings(d: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        v = d.get(key, [])
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            raise err(where + key, "字符串列表", v)
        return tuple(s.strip() for s in v if s.strip())

    def tables(d: dict[str, Any], key: str, *, required: bool = True) -> list[dict[str, Any]]:
        v = d.get(key)
        if v is None:
            if required:
                raise FrameworkError(f"评分框架文件 {path}：缺少键 {key}（应为 [[{key}]] 表数组）")
            return []
        if not isinstance(v, list) or not v or not all(isinstance(t, dict) for t in v):
            raise err(key, f"非空的 [[{key}]] 表数组", v)
        return v

    def tiers(v: object, where: str) -> tuple[Tier, ...]:
        if not isinstance(v, list) or not v or not all(isinstance(t, dict) for t in v):
            raise err(where, "非空的分档数组（如 { ge = 95, value = 1.0 }）", v)
        out = []
        for i, t in enumerate(v, 1):
            w = f"{where}[{i}]."
            unknown = set(t) - {"value", "gt", "ge", "lt", "le"}
            if unknown:
                raise err(w + sorted(unknown)[0], "gt/ge/lt/le/value 之一", t[sorted(unknown)[0]])
            out.append(Tier(
                value=num(t, "value", w),  # type: ignore[arg-type]
                gt=num(t, "gt", w, required=False), ge=num(t, "ge", w, required=False),
                lt=num(t, "lt", w, required=False), le=num(t, "le", w, required=False),
            ))
        return tuple(out)

    unknown = set(data) - _TOP_KEYS
    if unknown:
        k = sorted(unknown)[0]
        raise FrameworkError(f"评分框架文件 {path}：未知的键 {k}（可用的键：{', '.join(sorted(_TOP_KEYS))}）")

    fid = text(data, "id", "")
    name = text(data, "name", "")
    total = num(data, "total", "", minimum=0)
    decimals = num(data, "score_decimals", "", required=False, default=2, minimum=0)
    over = num(data, "over_achievement", "", required=False, default=1.30, minimum=1)
    cap = data.get("cap_categories", True)
    if not isinstance(cap, bool):
        raise err("cap_categories", "true 或 false", cap)

    ex = data.get("execution")
    if not isinstance(ex, dict):
        raise FrameworkError(f"评分框架文件 {path}：缺少键 execution（应为 [execution] 表）")
    ex_rule = text(ex, "rule", "execution.", required=False, default="linear")
    if ex_rule not in ("linear", "tiered"):
        raise err("execution.rule", " linear 或 tiered", ex_rule)
    basis = text(ex, "basis", "execution.", required=False, default="adjusted")
    if basis not in ("adjusted", "initial"):
        raise err("execution.basis", " adjusted 或 initial", basis)
    execution = ExecutionRule(
        weight=num(ex, "weight", "execution.", minimum=0),  # type: ignore[arg-type]
        rule=ex_rule,
        basis=basis,
        tiers=tiers(ex.get("tiers"), "execution.tiers") if ex_rule == "tiered" else (),
    )

    cats = []
    for i, c in enumerate(tables(data, "categories"), 1):
        w = f"categories[{i}]."
        cats.append(Category(text(c, "name", w), num(c, "weight", w, minimum=0), strings(c, "aliases", w)))  # type: ignore[arg-type]
    s = sum(c.weight for c in cats) + execution.weight
    if not math.isclose(s, total, abs_tol=1e-9):  # type: ignore[arg-type]
        raise FrameworkError(
            f"评分框架文件 {path}：键 categories 与 execution.weight 之和为 {_fmt_num(s)}，"
            f"不等于 total {_fmt_num(total)}"  # type: ignore[arg-type]
        )

    bands = []
    for i, b in enumerate(tables(data, "qualitative"), 1):
        w = f"qualitative[{i}]."
        low = num(b, "low", w, minimum=0)
        high = num(b, "high", w, minimum=0)
        if high > 1 or low > high:  # type: ignore[operator]
            raise err(w + "high", "0 ≤ low ≤ high ≤ 1 的比例", high)
        phrases = strings(b, "phrases", w)
        if not phrases:
            raise err(w + "phrases", "非空字符串列表", b.get("phrases"))
        bands.append(Band(text(b, "name", w), low, high, phrases))  # type: ignore[arg-type]

    grades = []
    for i, g in enumerate(tables(data, "grades"), 1):
        w = f"grades[{i}]."
        grades.append(Grade(text(g, "name", w), num(g, "min", w, minimum=0), strings(g, "synonyms", w)))  # type: ignore[arg-type]

    tol = data.get("tolerance", {})
    if not isinstance(tol, dict):
        raise err("tolerance", "[tolerance] 表", tol)
    for section, allowed in ((tol, {"rate_pp", "score", "money"}),
                             (ex, {"weight", "rule", "basis", "tiers"})):
        extra = set(section) - allowed
        if extra:
            name = "tolerance" if section is tol else "execution"
            raise FrameworkError(f"评分框架文件 {path}：未知的键 {name}.{sorted(extra)[0]}"
                                 f"（可用的键：{', '.join(sorted(allowed))}）")
    tolerance = Tolerance(
        rate_pp=num(tol, "rate_pp", "tolerance.", required=False, default=0.5, minimum=0),  # type: ignore[arg-type]
        score=num(tol, "score", "tolerance.", required=False, default=0.05, minimum=0),  # type: ignore[arg-type]
        money=num(tol, "money", "tolerance.", required=False, default=0.0001, minimum=0),  # type: ignore[arg-type]
    )

    rules = []
    for i, r in enumerate(tables(data, "metric_rules", required=False), 1):
        w = f"metric_rules[{i}]."
        metric = text(r, "metric", w)
        if metric not in ("adjustment_rate", "staff_control_rate"):
            raise err(w + "metric", " adjustment_rate 或 staff_control_rate", metric)
        rt = tiers(r["tiers"], w + "tiers") if "tiers" in r else ()
        full = num(r, "full_at_or_below", w, required=False)
        per = num(r, "per_point", w, required=False, minimum=0)
        if not rt and (full is None or per is None):
            raise FrameworkError(
                f"评分框架文件 {path}：键 {w}tiers 缺失（或应同时给出 full_at_or_below 与 per_point）"
            )
        rules.append(MetricRule(text(r, "match", w), metric, num(r, "weight", w, minimum=0), rt, full, per))  # type: ignore[arg-type]

    return Framework(
        id=fid, name=name, total=total, execution=execution, categories=tuple(cats),  # type: ignore[arg-type]
        qualitative=tuple(bands), grades=tuple(grades), tolerance=tolerance,
        metric_rules=tuple(rules), description=str(data.get("description", "")).strip(),
        score_decimals=int(decimals), over_achievement=over, cap_categories=cap,  # type: ignore[arg-type]
        path=path,
    )


# --------------------------------------------------------------------------- helpers


def _isna(x: object) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _val(x: object) -> float | None:
    """A plain float, or ``None`` for NA."""
    if x is None or _isna(x):
        return None
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _fmt_num(x: float | None, decimals: int = 2) -> str:
    """``9.0`` → ``9``, ``9.956`` → ``9.96``; NA → ``空`` (:func:`perfeval._format.fmt_trim`)."""
    return fmt_trim(x, decimals, blank="空")


def _norm_category(text: object) -> str:
    if text is None or _isna(text):
        return ""
    t = unicodedata.normalize("NFKC", str(text))
    t = re.sub(r"\s+", "", t)
    t = re.sub(r"[(（][^)）]*[)）]", "", t)
    t = re.sub(r"\d+分$", "", t)
    return t.removesuffix("指标")


def _clean_name(text: object) -> str:
    if text is None or _isna(text):
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


_UNIT_FACTORS: dict[str, tuple[str, float]] = {
    "%": ("pct", 1.0), "百分比": ("pct", 1.0), "％": ("pct", 1.0),
    "元": ("money", 1e-4), "千元": ("money", 1e-1), "万元": ("money", 1.0), "亿元": ("money", 1e4),
}


def _convert(value: float, unit: str | None, to_unit: str | None) -> float | None:
    """``value`` in ``unit`` expressed in ``to_unit``; ``None`` when incompatible."""
    u = (unit or "").strip()
    t = (to_unit or "").strip()
    if u == t or not u or not t:
        return value
    fu, ft = _UNIT_FACTORS.get(u), _UNIT_FACTORS.get(t)
    if fu and ft and fu[0] == ft[0]:
        return value * fu[1] / ft[1]
    return None


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
        a = parse_value(None if _isna(a_raw) else str(a_raw), reference_unit=t.unit)
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


def _framework_for(
    ds: Any, framework: str | Path | Framework | None
) -> dict[tuple[str, int], Framework]:
    """(dept, year) -> the framework to use (per-dept-year setting wins)."""
    fallback = load_framework(framework)
    out: dict[tuple[str, int], Framework] = {}
    ev = _frame(ds, "evaluations")
    if not ev.empty and "framework" in ev.columns:
        for row in ev.itertuples(index=False):
            key = (str(row.dept_id), int(row.year))
            fw = row.framework
            if fw is None or _isna(fw) or not str(fw).strip():
                out[key] = fallback
            else:
                try:
                    out[key] = load_framework(str(fw).strip())
                except FrameworkError as exc:
                    raise FrameworkError(
                        f"自评结果 {row.dept_id} {row.year}年 的评价框架「{fw}」无法加载：{exc}"
                    ) from exc
    return out


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
        band = fw.band_for(a_raw)
        if band is None and a_raw and _clean_name(a_raw) == _clean_name(t_raw) and fw.qualitative:
            band = max(fw.qualitative, key=lambda b: b.high)  # achieved as targeted
        out["band"] = band.name if band else None
        if band is None:
            out["score"] = reported
            out["basis"] = f"定性指标：完成值「{a_raw or '空'}」不对应任何等级，保留填报得分"
            return out
        top = max(b.high for b in fw.qualitative)
        out["shortfall"] = band.high < top
        if weight is None:
            out["basis"] = f"定性指标（等级「{band.name}」）：分值缺失，无法复核"
            return out
        lo, hi = band.low * weight, band.high * weight
        rng = f"{_fmt_num(lo)}–{_fmt_num(hi)}分"
        if reported is None:
            out["basis"] = f"定性指标：等级「{band.name}」对应 {rng}，未填得分，不予复核"
        elif lo - fw.tolerance.score <= reported <= hi + fw.tolerance.score:
            out["score"] = reported
            out["basis"] = f"定性指标：等级「{band.name}」对应 {rng}，填报得分在区间内，保留"
        else:
            out["score"] = round(min(max(reported, lo), hi), fw.score_decimals)
            out["basis"] = f"定性指标：等级「{band.name}」对应 {rng}，填报得分{_fmt_num(reported)}超出区间，取最近端点"
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
    a_conv = _convert(a, a_unit, t_unit)
    if a_conv is None:
        out["basis"] = f"完成值单位「{a_unit}」与指标值单位「{t_unit}」不一致，无法复核"
        return out
    vague = bool(getattr(row, "actual_vague", False)) if not _isna(getattr(row, "actual_vague", False)) else False
    a_txt = f"完成值「{a_raw}」" + (f"按界值{_fmt_num(a, 4)}{a_unit or ''}计（表述不确切）" if vague else "")
    dec = fw.score_decimals

    if rule in ("≥", "="):
        if t == 0:
            ok = a_conv >= 0 if rule == "≥" else a_conv == 0
            out["score"] = weight if ok else 0.0
            out["ratio"] = None
            out["shortfall"] = not ok
            out["basis"] = f"{a_txt}；指标值为0：{'达到，得满分' if ok else '未达到，得0分'}"
            return out
        ratio = a_conv / t
        out["ratio"] = ratio
        out["shortfall"] = ratio < 1 - 1e-12
        out["over_achievement"] = ratio >= fw.over_achievement - 1e-12
        if ratio >= 1 - 1e-12:
            out["score"] = weight
            out["basis"] = f"{a_txt}达到指标值「{t_raw}」，得满分{_fmt_num(weight)}"
        else:
            out["score"] = round(max(ratio, 0.0) * weight, dec)
            out["basis"] = f"{a_txt}未达到指标值「{t_raw}」：{_fmt_num(weight)} × {_fmt_num(a_conv, 4)}/{_fmt_num(t, 4)}"
        return out

    if rule == "≤":
        if t == 0:
            ok = a_conv <= 0
            out["score"] = weight if ok else 0.0
            out["shortfall"] = not ok
            out["basis"] = f"{a_txt}；反向指标值为0：{'达到，得满分' if ok else '超出，得0分'}"
            return out
        ratio = a_conv / t
        out["ratio"] = ratio
        if a_conv <= t + 1e-12:
            out["score"] = weight
            out["basis"] = f"{a_txt}不超过指标值「{t_raw}」，得满分{_fmt_num(weight)}"
        else:
            out["shortfall"] = True
            out["score"] = round(max(0.0, 1 - (a_conv - t) / t) * weight, dec)
            out["basis"] = (f"{a_txt}超过指标值「{t_raw}」：{_fmt_num(weight)} × (1 − "
                            f"({_fmt_num(a_conv, 4)}−{_fmt_num(t, 4)})/{_fmt_num(t, 4)})，最低0分")
        return out

    out["basis"] = f"未知的指标性质「{rule}」，无法复核"
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
    if actual <= budget + fw.tolerance.money:
        out["score"] = weight
        out["basis"] = (f"不突破预算：「{item}」全年执行数{actual:.4f}万元 ≤ 全年预算数{budget:.4f}万元，"
                        f"达到，得满分{_fmt_num(weight)}")
    else:
        out["shortfall"] = True
        share = max(0.0, 1 - (actual - budget) / budget) if budget else 0.0
        out["score"] = round(share * weight, fw.score_decimals)
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
            out["basis"] = f"{rule.match}：缺少{ROOT_ITEM}的年初预算数或全年预算数，无法测算"
            return out
        x = abs(adj - ini) / ini * 100
        desc = f"{rule.match} |{adj:.4f}−{ini:.4f}|/{ini:.4f} = {_fmt_num(x)}%"
    else:
        q, a = staffing.get("quota"), staffing.get("actual")
        if q is None or a is None or q == 0:
            out["basis"] = f"{rule.match}：缺少编制数或实际在职人数，无法测算"
            return out
        x = a / q * 100
        desc = f"{rule.match} {int(a)}/{int(q)} = {_fmt_num(x)}%"
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
        over = max(0.0, x - (rule.full_at_or_below or 0.0))
        points = max(0.0, rule.weight - over * (rule.per_point or 0.0))
        out["basis"] = desc + f"，≤{_fmt_num(rule.full_at_or_below)}%满分，每超1个百分点扣{_fmt_num(rule.per_point)}分"
    out["score"] = round(points * scale, 2)
    out["shortfall"] = out["score"] < weight - 1e-9
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
    cannot be re-scored (``score`` NA, see ``basis``) count 0 towards the totals.
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
    for key in _dept_years(ds):
        fw = per_key.get(key, default_fw)
        sub = indicators[(indicators["dept_id"] == key[0]) & (indicators["year"] == key[1])]
        names = [c.name for c in fw.categories]
        extra = [c for c in sub["category"].dropna().unique().tolist() if c not in names]
        for cname in names + extra:
            cat = next((c for c in fw.categories if c.name == cname), None)
            part = sub[sub["category"] == cname]
            score_sum = exact_sum(part["score"], min_count=0)
            declared = cat.weight if cat else None
            score = min(score_sum, declared) if (declared is not None and fw.cap_categories) else score_sum
            cat_rows.append({
                "dept_id": key[0], "year": key[1], "framework": fw.id, "level1": cname,
                "declared_weight": declared,
                "weight_sum": exact_sum(part["weight"]),
                "weight_missing": int(part["weight"].isna().sum()),
                "reported_score": exact_sum(part["reported_score"]),
                "score": round(score, fw.score_decimals),
            })
    categories = pd.DataFrame(cat_rows, columns=[
        "dept_id", "year", "framework", "level1", "declared_weight", "weight_sum", "weight_missing",
        "reported_score", "score"])
    categories = _typed(categories, floats=("declared_weight", "weight_sum", "reported_score", "score"),
                        ints=("year", "weight_missing"), strings=("dept_id", "framework", "level1"))

    # totals
    ev = _frame(ds, "evaluations")
    ev_by_key = {}
    if not ev.empty:
        for row in ev.itertuples(index=False):
            ev_by_key[(str(row.dept_id), int(row.year))] = row
    tot_rows = []
    for key in _dept_years(ds):
        fw = per_key.get(key, default_fw)
        e = ev_by_key.get(key)
        rate, rate_basis = execution_rate(finance.get(key, {}), fw.execution.basis)
        if rate is None and e is not None:
            rate = _val(getattr(e, "execution_rate_value", None))
        exec_score, _ = score_execution(rate, fw)
        sub_i = indicators[(indicators["dept_id"] == key[0]) & (indicators["year"] == key[1])]
        sub_c = categories[(categories["dept_id"] == key[0]) & (categories["year"] == key[1])]
        exec_rep = _val(getattr(e, "execution_score", None)) if e is not None else None
        items_rep = exact_sum(sub_i["reported_score"])
        if items_rep is None and exec_rep is None:
            total_items = None
        else:
            total_items = exact_sum([items_rep, exec_rep])
        total = exact_sum([*sub_c["score"], exec_score], min_count=0)
        total = round(total, fw.score_decimals)
        grade_rep = None if e is None or _isna(getattr(e, "grade", None)) else str(e.grade)
        tot_rows.append({
            "dept_id": key[0], "year": key[1], "framework": fw.id,
            "execution_rate": rate, "execution_weight": fw.execution.weight,
            "execution_score_reported": exec_rep, "execution_score": exec_score,
            "total_weight": _val(getattr(e, "total_weight", None)) if e is not None else None,
            "total_reported": _val(getattr(e, "total_score", None)) if e is not None else None,
            "total_items_reported": total_items, "total": total,
            "grade_reported": grade_rep, "grade_reported_normalised": fw.normalise_grade(grade_rep),
            "grade": fw.grade_for(total),
        })
    totals = pd.DataFrame(tot_rows, columns=[
        "dept_id", "year", "framework", "execution_rate", "execution_weight",
        "execution_score_reported", "execution_score", "total_weight", "total_reported",
        "total_items_reported", "total", "grade_reported", "grade_reported_normalised", "grade"])
    totals = _typed(totals, floats=("execution_rate", "execution_weight", "execution_score_reported",
                                    "execution_score", "total_weight", "total_reported",
                                    "total_items_reported", "total"),
                    ints=("year",), strings=("dept_id", "framework", "grade_reported",
                                             "grade_reported_normalised", "grade"))
    return Scorecard(indicators=indicators, categories=categories, totals=totals)


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
        df[c] = pd.array([None if _isna(v) else str(v) for v in df[c]], dtype="string")
    for c in bools:
        df[c] = pd.array([bool(v) for v in df[c]], dtype="boolean")
    return df
