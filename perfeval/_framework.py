"""Scoring frameworks as data: the model and the TOML loader.

A framework (``perfeval/frameworks/<id>.toml``, or any TOML file of the same shape)
holds the execution rule, the category weights, the qualitative grade bands, the
grade thresholds, the metric rules and the tolerances; ``docs/frameworks.md``
documents every key. Re-scoring under a framework is :mod:`perfeval._scoring`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from perfeval._errors import EXIT_DATA, FrameworkError
from perfeval._format import fmt_trim
from perfeval._paths import FRAMEWORKS_DIR
from perfeval._values import as_float, at_least, compare, is_missing
from perfeval._vocab import norm_label

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
    "Tier",
    "Tolerance",
    "framework_for",
    "list_frameworks",
    "load_framework",
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
        """Whether ``x`` (percent) falls in this tier, bounds compared by :func:`~perfeval._values.compare`.

        >>> Tier(1.0, ge=95).matches(2.014 / 2.12 * 100)
        True
        >>> Tier(0.8, ge=90, lt=95).matches(2.014 / 2.12 * 100)
        False
        """
        return (
            (self.gt is None or compare(x, self.gt) > 0)
            and (self.ge is None or compare(x, self.ge) >= 0)
            and (self.lt is None or compare(x, self.lt) < 0)
            and (self.le is None or compare(x, self.le) <= 0)
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

    match: tuple[str, ...]
    metric: str
    weight: float
    tiers: tuple[Tier, ...] = ()
    full_at_or_below: float | None = None
    per_point: float | None = None
    pattern: str | None = None

    @property
    def label(self) -> str:
        """The name the basis text uses for the rule (its first exact name, else the pattern)."""
        return self.match[0] if self.match else (self.pattern or "")

    def applies_to(self, name: object) -> bool:
        """Whether an indicator named ``name`` is scored by this rule.

        The name (normalised, a bracketed tail such as ``（≤10%）`` dropped) must equal
        one of ``match`` or match ``pattern`` as a whole: ``控制率`` does not catch
        ``三公经费控制率``.

        >>> r = MetricRule(("财政供养人员控制率",), "staff_control_rate", 2, pattern="(在职)?人员控制率")
        >>> r.applies_to("财政供养人员控制率（≤100%）"), r.applies_to("在职人员控制率"), r.applies_to("三公经费控制率")
        (True, True, False)
        """
        key = _rule_key(name)
        if not key:
            return False
        if any(key == _rule_key(m) for m in self.match):
            return True
        return bool(self.pattern) and re.fullmatch(self.pattern, key) is not None


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
        """The grade earned by ``total`` points (NA → ``None``); thresholds by :func:`~perfeval._values.at_least`.

        >>> load_framework().grade_for(89.99999999999999), load_framework().grade_for(89.99)
        ('优', '良')
        """
        t = as_float(total)
        if t is None:
            return None
        for g in sorted(self.grades, key=lambda g: -g.min):
            if at_least(t, g.min):
                return g.name
        return None

    def normalise_grade(self, text: object) -> str | None:
        """Map a written grade (优秀, 良好, 合格 …) to its canonical name, else ``None``."""
        if text is None or is_missing(text):
            return None
        t = norm_label(text)
        if not t:
            return None
        for g in self.grades:
            if t == norm_label(g.name) or t in {norm_label(s) for s in g.synonyms}:
                return g.name
        return None

    def band_for(self, text: object) -> Band | None:
        """The qualitative band an achieved text earns (see :meth:`match_band`), else ``None``."""
        m = self.match_band(text)
        return m.band if m else None

    def match_band(self, text: object) -> BandMatch | None:
        """Which band an achieved text earns, and the phrase (and negation) that decided.

        Phrases are matched whole, longest first, left to right (so 部分完成 is one
        phrase, not 完成); a phrase written ``^…`` must start the text and ``…$``
        end it (``差$`` is 效果差, never 零差错). A negation (:data:`NEGATORS`) up to
        :data:`NEGATION_REACH` characters before an achievement phrase, with no
        punctuation between, reverses it: the text earns the lowest band. Otherwise
        the lowest band any phrase names wins (基本完成，效果较好 is 部分达成).

        >>> fw = load_framework()
        >>> [fw.match_band(t).band.name for t in ("零差错", "尚未全部完成", "质量不高", "没有按期完成", "不断提升")]
        ['达成', '未达成', '未达成', '未达成', '达成']
        >>> m = fw.match_band("未提升")
        >>> (m.phrase, m.negator)
        ('提升', '未')
        """
        if text is None or is_missing(text) or not self.qualitative:
            return None
        t = norm_label(text)
        if not t:
            return None
        lowest = min(self.qualitative, key=lambda b: (b.high, b.low))
        found: list[BandMatch] = []
        i = 0
        while i < len(t):
            hit = self._phrase_at(t, i)
            if hit is None:
                i += 1
                continue
            band, phrase, n = hit
            neg = _negator_before(t, i) if band is not lowest else None
            found.append(BandMatch(lowest if neg else band, phrase, neg))
            i += n
        if not found:
            return None
        negated = [m for m in found if m.negator]
        if negated:
            return negated[0]
        return min(found, key=lambda m: (m.band.high, m.band.low))

    def _phrase_at(self, t: str, i: int) -> tuple[Band, str, int] | None:
        best: tuple[Band, str, int] | None = None
        for band in self.qualitative:
            for p in band.phrases:
                core = p.strip("^$")
                if not core or (best is not None and len(core) <= best[2]):
                    continue
                if p.startswith("^") and i != 0:
                    continue
                if p.endswith("$") and i + len(core) != len(t):
                    continue
                if t.startswith(norm_label(core), i):
                    best = (band, core, len(core))
        return best

    def metric_rule_for(self, name: object) -> MetricRule | None:
        """The metric rule that applies to an indicator named ``name`` (:meth:`MetricRule.applies_to`)."""
        return next((r for r in self.metric_rules if r.applies_to(name)), None)


@dataclass(frozen=True)
class BandMatch:
    """The qualitative band an achieved text earns, the phrase that decided and its negation."""

    band: Band
    phrase: str
    negator: str | None = None

    def describe(self) -> str:
        """Chinese: ``「提升」前有否定「未」`` or ``「全部完成」``."""
        return f"「{self.phrase}」" + (f"前有否定「{self.negator}」" if self.negator else "")


#: Words that, shortly before an achievement phrase, reverse it (longest first).
NEGATORS: tuple[str, ...] = ("尚未", "没有", "无法", "未能", "不能", "不够", "并未", "未", "不", "没", "无", "非")
#: Look-alikes that are not negations (不断提升, 无不…, 不仅…).
NOT_NEGATIONS: tuple[str, ...] = ("不断", "不懈", "不停", "不仅", "不少", "无不", "毫无疑问", "未来", "非常")
#: At most this many characters between a negator and the phrase it reverses.
NEGATION_REACH: int = 4
_CLAUSE_BREAK = re.compile(r"[,.;:!?，。；：！？、\s()（）\[\]【】]")


def _negator_before(t: str, i: int) -> str | None:
    """The negator reversing a phrase that starts at ``t[i]``, if any (same clause, near)."""
    start = max(0, i - NEGATION_REACH - 2)
    cut = max((m.end() for m in _CLAUSE_BREAK.finditer(t, start, i)), default=start)
    for k in range(i - 1, cut - 1, -1):
        for neg in NEGATORS:
            end = k + len(neg)
            if not t.startswith(neg, k) or end > i or i - end > NEGATION_REACH:
                continue
            if any(t.startswith(w, q) for w in NOT_NEGATIONS for q in range(max(0, k - len(w) + 1), k + 1)
                   if q + len(w) > k):
                continue
            # the longest negator ending here: 尚未, not its 未
            return next((n for n in NEGATORS if n.endswith(neg) and t.startswith(n, end - len(n))), neg)
    return None


def _rule_key(name: object) -> str:
    """An indicator name as metric rules compare it: normalised, bracketed parts dropped."""
    if name is None or is_missing(name):
        return ""
    return re.sub(r"\([^()]*\)", "", norm_label(name))


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


#: path -> (mtime_ns, size, Framework): a file edited since it was read is read again
_CACHE: dict[str, tuple[int, int, Framework]] = {}


def _load_path(path: str) -> Framework:
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        raise FrameworkError(f"评分框架文件 {path} 不存在") from None
    hit = _CACHE.get(path)
    if hit is not None and hit[:2] == (st.st_mtime_ns, st.st_size):
        return hit[2]
    fw = _read_path(p, path)
    _CACHE[path] = (st.st_mtime_ns, st.st_size, fw)
    return fw


def _read_path(p: Path, path: str) -> Framework:
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
        names = (text(r, "match", w),) if isinstance(r.get("match"), str) else strings(r, "match", w)
        pattern = text(r, "pattern", w, required=False) or None
        if not names and not pattern:
            raise FrameworkError(f"评分框架文件 {path}：键 {w}match（指标名称列表）或 {w}pattern（完整匹配的正则）至少给出一个")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise err(w + "pattern", "有效的正则表达式", pattern) from exc
        unknown_r = set(r) - {"match", "pattern", "metric", "weight", "tiers", "full_at_or_below", "per_point"}
        if unknown_r:
            raise err(w + sorted(unknown_r)[0], "match/pattern/metric/weight/tiers/full_at_or_below/per_point 之一",
                      r[sorted(unknown_r)[0]])
        rules.append(MetricRule(names, metric, num(r, "weight", w, minimum=0), rt, full, per, pattern))  # type: ignore[arg-type]

    return Framework(
        id=fid, name=name, total=total, execution=execution, categories=tuple(cats),  # type: ignore[arg-type]
        qualitative=tuple(bands), grades=tuple(grades), tolerance=tolerance,
        metric_rules=tuple(rules), description=str(data.get("description", "")).strip(),
        score_decimals=int(decimals), over_achievement=over, cap_categories=cap,  # type: ignore[arg-type]
        path=path,
    )



def _fmt_num(x: float | None, decimals: int = 2) -> str:
    """``9.0`` → ``9``, ``9.956`` → ``9.96``; NA → ``空`` (:func:`perfeval._format.fmt_trim`)."""
    return fmt_trim(x, decimals, blank="空")


def _norm_category(text: object) -> str:
    """A written 一级指标 as categories compare it: ``产出指标（50分）`` → ``产出``."""
    if text is None or is_missing(text):
        return ""
    t = norm_label(text)
    t = re.sub(r"\([^)]*\)", "", t)
    t = re.sub(r"\d+分$", "", t)
    return t.removesuffix("指标")


def framework_for(
    ds: Any, framework: str | Path | Framework | None
) -> dict[tuple[str, int], Framework]:
    """(dept, year) -> the framework to use (per-dept-year setting wins)."""
    fallback = load_framework(framework)
    out: dict[tuple[str, int], Framework] = {}
    ev = getattr(ds, "evaluations", None)
    if ev is not None and not ev.empty and "framework" in ev.columns:
        named = ev["framework"].to_numpy(dtype=object, na_value=None)
        loaded: dict[object, Framework] = {}
        for fw in dict.fromkeys(named.tolist()):  # each distinct name loaded once
            if fw is None or is_missing(fw) or not str(fw).strip():
                loaded[fw] = fallback
                continue
            try:
                loaded[fw] = load_framework(str(fw).strip())
            except FrameworkError as exc:
                row = next(r for r, v in zip(ev.itertuples(index=False), named.tolist()) if v == fw)
                where = getattr(row, "source", None)
                at = "" if where is None or is_missing(where) else f"（{where} 第{getattr(row, 'source_row', '?')}行，列 framework）"
                bad = FrameworkError(f"自评结果 {row.dept_id} {row.year}年{at}的评价框架「{fw}」无法加载：{exc}")
                bad.exit_code = EXIT_DATA  # named in the data, not chosen by the analyst: a data error
                raise bad from exc
        dept = [str(d) for d in ev["dept_id"].tolist()]
        year = [int(y) for y in ev["year"].tolist()]
        out = {(d, y): loaded[f] for d, y, f in zip(dept, year, named.tolist())}
    return out

