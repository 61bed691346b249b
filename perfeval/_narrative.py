"""Chinese narrative paragraphs written from the library's frames.

Every number in a paragraph is formatted by one of the shared helpers below
(:func:`fmt_wan`, :func:`fmt_pct`, :func:`fmt_score`, :func:`fmt_count`) from a
value computed by :func:`perfeval.metrics`, :func:`perfeval.rescore` or
:func:`perfeval.check`; none is typed in. Each function returns a
:class:`Narrative`: the text plus ``facts``, the values it used, keyed by name,
so a test (or a sceptical reader) can check each number against the frames.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
import html as _html
import re

import pandas as pd

from ._dataset import STR
from ._markup import md_escape
from ._values import at_most

__all__ = [
    "md_escape",
    "Narrative",
    "fmt_wan",
    "fmt_pct",
    "fmt_score",
    "fmt_count",
    "fmt_signed_wan",
    "MISSING",
    "department_summary",
    "findings_summary",
    "comparison_summary",
    "trend_summary",
    "department_position",
    "ProjectReview",
    "review_projects",
    "projects_summary",
]

# Number formats have one home (perfeval._format); the narrative re-exports them.
from ._format import MISSING, fmt_count, fmt_pct, fmt_score, fmt_signed_wan, fmt_wan  # noqa: E402
from ._format import is_blank as _is_missing  # noqa: E402
# A department's project forms, reviewed apart from it, live in perfeval._projects.
from ._projects import ProjectReview, projects_summary, review_projects  # noqa: E402


@dataclass(frozen=True)
class Narrative:
    """A Chinese paragraph and the values it states.

    Attributes
    ----------
    text : str
        The paragraph, plain text (names and other report text inside it are
        as the report wrote them; use :attr:`markdown` to show it as Markdown).
    facts : dict
        Name → value used in the text (floats as computed, not rounded). Each
        stated number is the formatting of one of these values.
    """

    text: str
    facts: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text

    @property
    def markdown(self) -> str:
        """The text escaped for Markdown: report text inside it never becomes markup."""
        return md_escape(self.text)

    def _repr_markdown_(self) -> str:
        return self.markdown


class _Writer:
    """Collects sentences and the facts they use."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.facts: dict[str, Any] = {}

    def fact(self, key: str, value: Any, fmt) -> str:
        if _is_missing(value):
            self.facts[key] = None
        elif isinstance(value, (bool, str)):
            self.facts[key] = value
        else:  # numpy / pandas scalars become plain int or float
            number = float(value)
            self.facts[key] = int(number) if number.is_integer() and "int" in type(value).__name__.lower() else number
        return fmt(value)

    def wan(self, key: str, value: Any) -> str:
        return self.fact(key, value, fmt_wan)

    def pct(self, key: str, value: Any) -> str:
        return self.fact(key, value, fmt_pct)

    def score(self, key: str, value: Any) -> str:
        return self.fact(key, value, fmt_score)

    def count(self, key: str, value: Any, unit: str = "") -> str:
        return self.fact(key, value, lambda v: fmt_count(v, unit))

    def add(self, sentence: str) -> None:
        self.parts.append(sentence)

    def done(self, sep: str = "") -> Narrative:
        return Narrative(sep.join(self.parts), dict(self.facts))


def _value(row: Mapping[str, Any] | None, key: str) -> Any:
    if row is None or key not in row:
        return None
    value = row[key]
    return None if _is_missing(value) else value


def _row(frame: pd.DataFrame | None, dept_id: str, year: int | None = None) -> dict | None:
    if frame is None or frame.empty:
        return None
    mask = frame["dept_id"] == dept_id
    if year is not None:
        mask &= frame["year"] == year
    sub = frame[mask]
    return None if sub.empty else sub.iloc[0].to_dict()


def _dept_name(ds, dept_id: str) -> str:
    deps = ds.departments
    hit = deps[deps["dept_id"] == dept_id]
    if hit.empty or _is_missing(hit["name"].iloc[0]):
        return dept_id
    return str(hit["name"].iloc[0])


def _change_verb(x: Any) -> str:
    if _is_missing(x):
        return "变动"
    return "增加" if float(x) > 0 else "减少" if float(x) < 0 else "持平，变动"


# --------------------------------------------------------------------------- department
def department_summary(
    ds,
    dept_id: str,
    year: int,
    *,
    metrics: pd.DataFrame | None = None,
    scorecard=None,
    findings: pd.DataFrame | None = None,
) -> Narrative:
    """The self-evaluation of one department and year, in brief.

    Parameters
    ----------
    ds : perfeval.Dataset
        The dataset.
    dept_id : str
        Department key.
    year : int
        Fiscal year.
    metrics : DataFrame, optional
        :func:`perfeval.metrics` of ``ds`` (computed when omitted).
    scorecard : perfeval.Scorecard, optional
        :func:`perfeval.rescore` result; without it the re-scored total is left out.
    findings : DataFrame, optional
        :func:`perfeval.check` result; without it the findings count is left out.

    Returns
    -------
    Narrative
        Facts ``actual, budget_initial, budget_adjusted, execution_rate,
        execution_rate_reported, carryover, adjustment_rate, basic, personnel,
        personnel_share, public, project, prior_actual, yoy_change, yoy_rate,
        staff_quota, staff_actual, staff_control_rate, per_capita_actual,
        total, total_reported, findings_*`` where known.

    Examples
    --------
    >>> import perfeval
    >>> n = department_summary(perfeval.load(), "hyx-wxb", 2021)
    >>> n.text.split("，")[:4]
    ['2021年', '网信办年初预算85.8361万元', '全年预算85.8361万元', '全年执行85.4561万元']
    >>> round(n.facts["execution_rate"], 4)
    0.9956
    """
    if metrics is None:
        from ._metrics import metrics as _metrics

        metrics = _metrics(ds)
    row = _row(metrics, dept_id, year)
    if row is None:
        raise KeyError(f"没有部门 {dept_id!r} 在 {year} 年度的数据：请检查 dept_id 与 year")
    name = _dept_name(ds, dept_id)
    w = _Writer()
    w.facts["year"] = int(year)
    v = lambda k: _value(row, k)  # noqa: E731
    w.add(f"{int(year)}年，{name}年初预算{w.wan('budget_initial', v('budget_initial'))}，"
          f"全年预算{w.wan('budget_adjusted', v('budget_adjusted'))}，"
          f"全年执行{w.wan('actual', v('actual'))}，"
          f"预算执行率{w.pct('execution_rate', v('execution_rate'))}")
    ev = _row(ds.evaluations, dept_id, year)
    reported = _value(ev, "execution_rate_value")
    if reported is not None:
        w.add(f"（自评表填报{w.pct('execution_rate_reported', reported)}）")
    w.add("。")
    if v("carryover") is not None:
        w.add(f"年末结转结余{w.wan('carryover', v('carryover'))}")
        if v("adjustment_rate") is not None:
            w.add(f"，预算调整率{w.pct('adjustment_rate', v('adjustment_rate'))}")
        w.add("。")
    if v("basic") is not None or v("project") is not None:
        w.add(f"按支出性质分，基本支出{w.wan('basic', v('basic'))}，"
              f"其中人员经费{w.wan('personnel', v('personnel'))}")
        if v("personnel_share") is not None:
            w.add(f"（占基本支出{w.pct('personnel_share', v('personnel_share'))}）")
        w.add(f"、公用经费{w.wan('public', v('public'))}；项目支出{w.wan('project', v('project'))}。")
    if v("prior_actual") is not None and v("yoy_change") is not None:
        item = v("yoy_item") or "年度资金总额"
        label = "全年执行数" if item == "年度资金总额" else f"{item}执行数"
        w.add(f"与上年相比，{label}{_change_verb(v('yoy_change'))}"
              f"{w.fact('yoy_change', v('yoy_change'), fmt_signed_wan)}"
              f"（上年{w.wan('prior_actual', v('prior_actual'))}），"
              f"变动率{w.pct('yoy_rate', v('yoy_rate'))}。")
    if v("staff_quota") is not None or v("staff_actual") is not None:
        w.add(f"编制{w.count('staff_quota', v('staff_quota'), '人')}，"
              f"实际在职{w.count('staff_actual', v('staff_actual'), '人')}")
        if v("staff_control_rate") is not None:
            rate = float(v("staff_control_rate"))
            judge = "未超编" if at_most(rate, 1) else "超编"
            w.add(f"，财政供养人员控制率{w.pct('staff_control_rate', rate)}（{judge}）")
        elif v("staff_quota") is not None and float(v("staff_quota")) == 0:
            w.add("，编制数为0，财政供养人员控制率无法测算")
        if v("per_capita_actual") is not None:
            w.add(f"，人均支出{w.wan('per_capita_actual', v('per_capita_actual'))}")
        w.add("。")
    if scorecard is not None:
        tot = _row(scorecard.totals, dept_id, year)
        unscored = int(_value(tot, "unscored") or 0)
        reported = f"（自评{w.score('total_reported', _value(tot, 'total_reported'))}）"
        if tot is not None and _value(tot, "total") is not None and not unscored:
            w.add(f"按评分框架复核，总分{w.score('total', _value(tot, 'total'))}{reported}，"
                  f"等级为{_value(tot, 'grade') or MISSING}"
                  f"（自评{_value(tot, 'grade_reported') or MISSING}）。")
        elif tot is not None and _value(tot, "total") is not None:
            w.add(f"按评分框架复核，有{w.count('unscored', unscored, '项')}有分值的指标无法复核（原因见各指标的复核依据），"
                  f"其余部分复核得分{w.score('total', _value(tot, 'total'))}{reported}；"
                  "总分不完整，不评定等级。")
        elif unscored:
            w.add(f"按评分框架复核，有分值的{w.count('unscored', unscored, '项')}指标均无法复核（原因见各指标的复核依据），"
                  f"未得出复核总分{reported}。")
    if findings is not None:
        w.add(_findings_sentence(w, findings, dept_id, year))
    return w.done()


def _findings_sentence(w: _Writer, findings: pd.DataFrame, dept_id: str, year: int | None) -> str:
    mask = findings["dept_id"] == dept_id
    if year is not None:
        mask &= (findings["year"] == year) | findings["year"].isna()
    sub = findings[mask]
    if sub.empty:
        w.facts["findings_total"] = 0
        return "复核未发现问题。"
    parts = []
    for severity in ("错误", "警告", "提示"):
        n = int((sub["severity"] == severity).sum())
        if n:
            parts.append(f"{severity}{w.count('findings_' + severity, n, '项')}")
    total = w.count("findings_total", len(sub), "项")
    return f"复核发现问题{total}（{'、'.join(parts)}）。"


# --------------------------------------------------------------------------- findings
def finding_title(code: Any) -> str:
    """The Chinese title of a finding code (:data:`perfeval._checks.CATALOGUE`).

    Unknown codes are returned unchanged; a blank reads 未填报.

    Examples
    --------
    >>> finding_title("sum_mismatch"), finding_title("other")
    ('分项之和与合计不符', 'other')
    """
    if _is_missing(code):
        return MISSING
    from ._checks import CATALOGUE

    entry = CATALOGUE.get(str(code))
    return entry[1] if entry else str(code)


def finding_description(code: Any) -> str:
    """The Chinese description of a finding code ("" when unknown)."""
    from ._checks import CATALOGUE

    entry = CATALOGUE.get(str(code)) if not _is_missing(code) else None
    return entry[2] if entry else ""


def findings_summary(findings: pd.DataFrame, dept_id: str | None = None,
                     year: int | None = None, *, top: int = 5) -> Narrative:
    """Summarise audit findings: counts by severity and the most frequent kinds.

    Parameters
    ----------
    findings : DataFrame
        :func:`perfeval.check` output (``code, severity, dept_id, year, location,
        expected, found, message``).
    dept_id, year : optional
        Restrict to one department and/or year.
    top : int, default 5
        How many finding codes to name.

    Returns
    -------
    Narrative
        Facts ``findings_total``, ``findings_<severity>``, ``code_<code>``. Kinds of
        finding are named by their Chinese title (:func:`finding_title`), never by
        the English code.

    Examples
    --------
    >>> f = pd.DataFrame({"code": ["A", "A", "B"], "severity": ["错误", "错误", "提示"],
    ...                   "dept_id": ["x"] * 3, "year": [2021] * 3, "location": [""] * 3,
    ...                   "expected": [""] * 3, "found": [""] * 3, "message": ["甲", "甲", "乙"]})
    >>> findings_summary(f).text
    '复核共发现问题3项，其中错误2项、提示1项。主要问题：A（2项）、B（1项）。'
    >>> f = f.assign(code=["vague_actual", "vague_actual", "missing_reason"])
    >>> findings_summary(f).text.split("主要问题：")[1]
    '完成值表述不确切（2项）、缺少偏差原因（1项）。'
    """
    sub = findings
    if dept_id is not None:
        sub = sub[sub["dept_id"] == dept_id]
    if year is not None:
        sub = sub[(sub["year"] == year) | sub["year"].isna()]
    w = _Writer()
    if sub.empty:
        w.facts["findings_total"] = 0
        w.add("复核未发现问题。")
        return w.done()
    w.add(f"复核共发现问题{w.count('findings_total', len(sub), '项')}")
    parts = []
    for severity in ("错误", "警告", "提示"):
        n = int((sub["severity"] == severity).sum())
        if n:
            parts.append(f"{severity}{w.count('findings_' + severity, n, '项')}")
    w.add(f"，其中{'、'.join(parts)}。" if parts else "。")
    counts = sub.groupby("code", sort=True).size().sort_values(ascending=False, kind="stable")
    named = []
    for code, n in counts.head(top).items():
        named.append(f"{finding_title(code)}（{w.count('code_' + str(code), int(n), '项')}）")
    w.add(f"主要问题：{'、'.join(named)}。")
    return w.done()


# --------------------------------------------------------------------------- comparison
def comparison_summary(
    ds,
    year: int,
    dept_ids: Iterable[str] | None = None,
    *,
    metrics: pd.DataFrame | None = None,
    scorecard=None,
) -> Narrative:
    """Compare several departments in one year: execution, per-capita spending, scores.

    Parameters
    ----------
    ds : perfeval.Dataset
    year : int
    dept_ids : iterable of str, optional
        Departments to compare (all with data in ``year`` when omitted).
    metrics : DataFrame, optional
        :func:`perfeval.metrics` of ``ds``.
    scorecard : perfeval.Scorecard, optional
        Adds the re-scored totals and grades.

    Returns
    -------
    Narrative
        Facts ``n_departments, n_examples, execution_rate_max/min,
        per_capita_max/min, total_max/min, grade_<grade>``; the department each
        extreme belongs to is in ``*_dept``.
    """
    if metrics is None:
        from ._metrics import metrics as _metrics

        metrics = _metrics(ds)
    m = metrics[metrics["year"] == year]
    if dept_ids:
        wanted = list(dept_ids)
        m = m[m["dept_id"].isin(wanted)]
    if m.empty:
        raise KeyError(f"{year} 年度没有可比较的部门数据")
    names = {d: _dept_name(ds, d) for d in m["dept_id"]}
    w = _Writer()
    w.facts["year"] = int(year)
    n_ex = int(m["is_example"].sum()) if "is_example" in m else 0
    w.add(f"{int(year)}年共比较{w.count('n_departments', len(m), '个')}部门")
    if n_ex:
        w.add(f"（其中示例部门{w.count('n_examples', n_ex, '个')}）")
    w.add("。")

    def extremes(series: pd.Series, key: str, label: str, fmt, end: str = "。",
                 inputs: str | None = None) -> bool:
        """Highest and lowest of ``series`` (dept_id → value); False when all are blank.

        ``inputs`` names what the value is computed from: departments without it
        are named (``…未填报``), and an all-blank series says so.
        """
        s = series.dropna().astype(float)
        blank = [names[d] for d in series.index if d not in s.index] if inputs else []
        if s.empty:
            if blank:
                who = "各部门" if len(blank) > 1 else blank[0]
                w.add(f"{who}{inputs}{MISSING}，{label}无法测算。")
            return False
        hi, lo = s.idxmax(), s.idxmin()
        w.facts[f"{key}_max_dept"], w.facts[f"{key}_min_dept"] = hi, lo
        if len(s) == 1:
            w.facts[f"{key}_min"] = w.facts[f"{key}_max"] = float(s[hi])
            if blank:
                w.add(f"{label}仅{names[hi]}有数据（{fmt(float(s[hi]))}）")
            else:  # a single department compared
                w.add(f"{names[hi]}{label}{fmt(float(s[hi]))}")
        elif s.max() == s.min():
            w.facts[f"{key}_min"] = w.facts[f"{key}_max"] = float(s[hi])
            w.add(f"{label}均为{fmt(float(s[hi]))}")
        else:
            w.add(f"{label}最高的是{names[hi]}（{w.fact(key + '_max', float(s[hi]), fmt)}），"
                  f"最低的是{names[lo]}（{w.fact(key + '_min', float(s[lo]), fmt)}）")
        if blank:
            w.add(f"，{'、'.join(blank)}{inputs}{MISSING}")
        w.add(end)
        return True

    by_dept = m.drop_duplicates("dept_id").set_index("dept_id")
    extremes(by_dept["execution_rate"], "execution_rate", "预算执行率", fmt_pct,
             inputs="全年预算数或全年执行数")
    extremes(by_dept["per_capita_actual"], "per_capita", "人均支出", fmt_wan,
             inputs="全年执行数或实际在职人数")
    extremes(by_dept["personnel_share"], "personnel_share", "人员经费占基本支出比重", fmt_pct)
    if scorecard is not None:
        t = scorecard.totals
        t = t[(t["year"] == year) & t["dept_id"].isin(list(names))].drop_duplicates("dept_id")
        if extremes(t.set_index("dept_id")["total"], "total", "复核总分", fmt_score, end=""):
            grades = t["grade"].dropna().value_counts()
            if not grades.empty:
                order = [g for g in ("优", "良", "中", "差") if g in grades.index]
                order += [g for g in grades.index if g not in order]
                listed = "、".join(f"{g}{w.count('grade_' + g, int(grades[g]), '个')}" for g in order)
                w.add(f"；复核等级{listed}")
            w.add("。")
    return w.done()


def department_position(
    ds,
    dept_id: str,
    year: int,
    *,
    metrics: pd.DataFrame | None = None,
    scorecard=None,
) -> Narrative:
    """Where one department stands among all departments with data in the same year.

    Parameters
    ----------
    ds : perfeval.Dataset
    dept_id : str
    year : int
    metrics : DataFrame, optional
        :func:`perfeval.metrics` of ``ds``.
    scorecard : perfeval.Scorecard, optional
        Adds the rank of the re-scored total.

    Returns
    -------
    Narrative
        Facts ``n_departments`` (departments with a 全年执行数 in ``year``),
        ``execution_rate_rank``, ``per_capita_rank``, ``total_rank`` (1 = highest;
        ties share the better rank), ``n_ranked_total`` and ``total_best``. Empty
        text when the department is the only one.
    """
    if metrics is None:
        from ._metrics import metrics as _metrics

        metrics = _metrics(ds)
    m = metrics[(metrics["year"] == year) & metrics["actual"].notna()]
    w = _Writer()
    if dept_id not in set(m["dept_id"]) or len(m) < 2:
        return w.done()
    name = _dept_name(ds, dept_id)
    w.facts["year"] = int(year)
    w.add(f"在{int(year)}年有全年执行数的{w.count('n_departments', len(m), '个')}部门中，{name}")
    ranks = []
    for col, key, label in (("execution_rate", "execution_rate_rank", "预算执行率"),
                            ("per_capita_actual", "per_capita_rank", "人均支出")):
        s = m.set_index("dept_id")[col].astype("Float64").dropna().astype(float)
        if dept_id in s.index and len(s) >= 2:
            rank = int(s.rank(ascending=False, method="min")[dept_id])
            ranks.append(f"{label}排第{w.count(key, rank, '位')}")
    if scorecard is not None:
        t = scorecard.totals
        t = t[(t["year"] == year) & t["dept_id"].isin(list(m["dept_id"]))]
        s = t.set_index("dept_id")["total"].astype("Float64").dropna().astype(float)
        if dept_id in s.index and len(s) >= 2:
            rank = int(s.rank(ascending=False, method="min")[dept_id])
            ranks.append(f"复核总分排第{w.count('total_rank', rank, '位')}"
                         f"（共{w.count('n_ranked_total', len(s), '个')}部门有复核总分，"
                         f"最高{w.score('total_best', float(s.max()))}）")
    if not ranks:
        return Narrative("", {})
    w.add("，".join(ranks) + "。")
    return w.done()


# --------------------------------------------------------------------------- trends
def trend_summary(
    ds,
    dept_id: str,
    *,
    metrics: pd.DataFrame | None = None,
    scorecard=None,
) -> Narrative:
    """One department across the years it has: spending, execution, staffing, scores.

    Parameters
    ----------
    ds : perfeval.Dataset
    dept_id : str
    metrics : DataFrame, optional
    scorecard : perfeval.Scorecard, optional

    Returns
    -------
    Narrative
        Facts ``first_year, last_year, actual_first, actual_last, growth_rate,
        cagr, execution_rate_min/max, staff_first/last, total_first/last``.
    """
    if metrics is None:
        from ._metrics import metrics as _metrics

        metrics = _metrics(ds)
    m = metrics[(metrics["dept_id"] == dept_id)].sort_values("year")
    name = _dept_name(ds, dept_id)
    known = m[m["actual"].notna()]
    w = _Writer()
    if known.empty:  # say so, and still report staffing and scores below
        w.add(f"{name}各年度全年执行数均{MISSING}，无法分析支出趋势。")
    else:
        w.add(_trend_spending(w, name, known))
    staff = m[m["staff_actual"].notna()]
    if len(staff) >= 2:
        s0, s1 = staff.iloc[0], staff.iloc[-1]
        w.add(f"实际在职人数由{w.count('staff_first', s0['staff_actual'], '人')}"
              f"变为{w.count('staff_last', s1['staff_actual'], '人')}")
        over = staff[staff["staff_actual"] > staff["staff_quota"]]
        if not over.empty:
            years = "、".join(f"{w.count(f'over_quota_year_{i}', y, '年')}"
                              for i, y in enumerate(over["year"].tolist()))
            w.add(f"，其中{years}超编")
        w.add("。")
    if scorecard is not None:
        t = scorecard.totals
        t = t[(t["dept_id"] == dept_id) & t["total"].notna()].sort_values("year")
        if len(t) >= 2:
            w.add(f"复核总分由{w.count('score_first_year', t['year'].iloc[0], '年')}的"
                  f"{w.score('total_first', float(t['total'].iloc[0]))}变为"
                  f"{w.count('score_last_year', t['year'].iloc[-1], '年')}的"
                  f"{w.score('total_last', float(t['total'].iloc[-1]))}。")
        elif len(t) == 1:
            w.add(f"复核总分{w.score('total_last', float(t['total'].iloc[0]))}。")
    return w.done()


def _trend_spending(w: _Writer, name: str, known: pd.DataFrame) -> str:
    """The spending and execution-rate sentences of :func:`trend_summary`."""
    parts: list[str] = []
    first, last = known.iloc[0], known.iloc[-1]
    y0, y1 = int(first["year"]), int(last["year"])
    w.facts["first_year"], w.facts["last_year"] = y0, y1
    if y0 == y1:
        parts.append(f"{name}仅有{y0}年一个年度的全年执行数（{w.wan('actual_last', last['actual'])}），"
                     f"无法分析趋势。")
    else:
        a0, a1 = float(first["actual"]), float(last["actual"])
        growth = (a1 - a0) / a0 if a0 else None
        parts.append(f"{y0}—{y1}年，{name}全年执行数由{w.wan('actual_first', a0)}"
                     f"{'增至' if a1 >= a0 else '降至'}{w.wan('actual_last', a1)}")
        if growth is not None:  # no rate of change from a zero base
            parts.append(f"，累计变动{w.pct('growth_rate', growth)}")
        if a0 > 0 and a1 > 0:
            cagr = (a1 / a0) ** (1 / (y1 - y0)) - 1
            parts.append(f"，年均增长{w.pct('cagr', cagr)}")
        parts.append("。")
    rates = known["execution_rate"].dropna()
    if len(rates) == 1:
        parts.append(f"预算执行率为{w.pct('execution_rate_max', float(rates.iloc[0]))}。")
    elif not rates.empty:
        parts.append(f"预算执行率在{w.pct('execution_rate_min', float(rates.min()))}"
                     f"至{w.pct('execution_rate_max', float(rates.max()))}之间。")
    return "".join(parts)


# --------------------------------------------------------------------------- tables
_FORMATTERS = {
    "wan": fmt_wan,
    "pct": fmt_pct,
    "score": fmt_score,
    "count": fmt_count,
    "text": lambda x: MISSING if _is_missing(x) else str(x),
    "year": lambda x: MISSING if _is_missing(x) else f"{int(x)}",
    "long": lambda x: MISSING if _is_missing(x) else str(x),
    "finding": finding_title,
}

#: Kinds whose cells are numbers (right-aligned, never wrapped in reports).
NUMBER_KINDS: frozenset[str] = frozenset({"wan", "pct", "score", "count", "year"})
#: A ``text`` column with a cell longer than this many characters wraps like ``long``.
LONG_TEXT = 12
#: Headers up to this many characters are kept on one line.
SHORT_HEADER = 3
#: Units moved into the header by ``report_table(..., units="header")``.
_HEADER_UNITS = {"wan": "万元", "score": "分"}
#: A text cell that is really a number ("100%", "≥98%", "36分", "<10分（复核9.8分）" is not).
_NUMBER_TEXT = re.compile(r"^[≥≤<>＞＜=±+\-−]?\s*\d[\d,.]*\s*(%|万元|元|分|人|项|个|次|天|年)?$")


def format_table(frame: pd.DataFrame, columns: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    """Select, rename and format columns for display in a report.

    Parameters
    ----------
    frame : DataFrame
        Any library frame (not modified).
    columns : mapping
        Column → ``(Chinese header, kind)`` where kind is ``wan`` (万元, four
        decimals), ``pct`` (fraction as a percentage), ``score`` (分), ``count``,
        ``year``, ``text`` (short text), ``long`` (long text such as a message;
        never truncated, wraps in reports) or ``finding`` (a finding code shown as
        its Chinese title, :func:`finding_title`). Order is kept.

    Returns
    -------
    DataFrame
        Strings only; blanks read 未填报.

    Examples
    --------
    >>> df = pd.DataFrame({"actual": [85.4561, None], "execution_rate": [0.995573, None]})
    >>> format_table(df, {"actual": ("全年执行数", "wan"), "execution_rate": ("执行率", "pct")}).iloc[0].tolist()
    ['85.4561万元', '99.56%']
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"表格缺少列：{'、'.join(missing)}（现有列：{'、'.join(map(str, frame.columns))}）")
    out = {}
    for col, (label, kind) in columns.items():
        if kind not in _FORMATTERS:
            raise ValueError(f"未知的格式 {kind!r}（列 {col}）：应为 {'、'.join(_FORMATTERS)} 之一")
        out[label] = [_FORMATTERS[kind](x) for x in frame[col].tolist()]
    return pd.DataFrame(out, index=range(1, len(frame) + 1), dtype=STR)



def _strip_unit(text: str, unit: str) -> str:
    return text[: -len(unit)] if text != MISSING and text.endswith(unit) else text


@dataclass(frozen=True)
class ReportTable:
    """A formatted table that renders as report HTML (aligned, never truncated).

    Build it with :func:`report_table`. In a notebook it displays through
    :meth:`_repr_html_`: a plain ``<table class="perfeval-table">`` whose cells
    carry the class ``num`` (numbers: right-aligned, not wrapped), ``text`` (short
    text: left-aligned, not wrapped) or ``long`` (long text: left-aligned, wraps and
    takes the remaining width). Unlike a DataFrame's own HTML, no cell is ever cut
    short with "…".

    Attributes
    ----------
    frame : DataFrame
        The formatted strings (as :func:`format_table` returns them, headers
        included).
    classes : tuple of str
        The CSS class of each column (``num``, ``text`` or ``long``).
    index : str or None
        Header of a leading row-number column, or ``None`` for none.
    caption : str or None
        Optional title above the table.
    widths : tuple
        CSS width hint per column (``None`` = none).
    units_note : str or None
        The units taken out of the cells (``金额单位：万元``), shown above the
        table after the caption.
    """

    frame: pd.DataFrame
    classes: tuple[str, ...]
    index: str | None = None
    caption: str | None = None
    widths: tuple[str | None, ...] = ()
    units_note: str | None = None

    def to_html(self) -> str:
        """Return the table as an HTML fragment (see the class description)."""
        esc = _html.escape
        wide = " wide" if "long" in self.classes else ""
        out = []
        if self.caption or self.units_note:
            # A paragraph, not a <caption>: a caption is only as wide as a narrow table,
            # and in weasyprint a note floated inside it overlapped the header row.
            title = f'<span class="title">{esc(self.caption)}</span>' if self.caption else ""
            note = f'<span class="units">{esc(self.units_note)}</span>' if self.units_note else ""
            out.append(f'<p class="perfeval-table-caption">{title}{note}</p>')
        out.append(f'<table class="perfeval-table{wide}">')
        def th(label: str, cls: str, width: str | None = None) -> str:
            if len(label) <= SHORT_HEADER:
                cls += " nowrap"
            style = f' style="width: {esc(width)}"' if width else ""
            return f'<th class="{cls}"{style}>{esc(label)}</th>'

        widths = list(self.widths) + [None] * (len(self.classes) - len(self.widths))
        head = [th(self.index, "num")] if self.index is not None else []
        head += [th(str(h), c, wd) for h, c, wd in zip(self.frame.columns, self.classes, widths)]
        out.append("<thead><tr>" + "".join(head) + "</tr></thead>")
        out.append("<tbody>")
        for i, row in enumerate(self.frame.itertuples(index=False), start=1):
            cells = [f'<td class="num">{i}</td>'] if self.index is not None else []
            cells += [f'<td class="{c}">{esc(str(v))}</td>' for v, c in zip(row, self.classes)]
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None, "display.width", 200):
            return self.frame.to_string(index=self.index is not None)

    def __len__(self) -> int:
        return len(self.frame)


def report_table(
    frame: pd.DataFrame,
    columns: Mapping[str, tuple[str, str]],
    *,
    index: bool | str = False,
    units: str = "cell",
    caption: str | None = None,
    widths: Mapping[str, str] | None = None,
) -> ReportTable:
    """Format columns like :func:`format_table` and mark them up for a report.

    Parameters
    ----------
    frame : DataFrame
        Any library frame (not modified).
    columns : mapping
        Column → ``(Chinese header, kind)``; kinds as in :func:`format_table`.
    index : bool or str, default False
        Add a leading row-number column (``True`` → header 序号, a string → that
        header).
    units : {"cell", "header", "caption"}, default "cell"
        ``"header"`` moves 万元 and 分 from every cell into the column header
        (``全年执行数（万元）``), ``"caption"`` into the caption (``单位：万元``);
        both keep wide tables within an A4 page.
    caption : str, optional
    widths : mapping, optional
        Column (of ``frame``) → CSS width of its header cell (``"30%"``), a hint
        for tables with several long-text columns.

    Returns
    -------
    ReportTable
        Number columns (``wan``, ``pct``, ``score``, ``count``, ``year``, and text
        columns whose every filled cell is a number such as ``100%`` or ``≥98%``)
        get the class ``num``; ``long`` columns, and ``text`` columns with a cell
        longer than :data:`LONG_TEXT` characters, ``long``; other text ``text``.

    Examples
    --------
    >>> df = pd.DataFrame({"code": ["vague_actual"], "actual": [85.4561], "message": ["甲" * 80]})
    >>> t = report_table(df, {"code": ("问题", "finding"), "actual": ("全年执行数", "wan"),
    ...                       "message": ("说明", "long")}, units="header")
    >>> t.frame.columns.tolist(), t.classes
    (['问题', '全年执行数（万元）', '说明'], ('text', 'num', 'long'))
    >>> t.frame.iloc[0, :2].tolist()
    ['完成值表述不确切', '85.4561']
    >>> "甲" * 80 in t.to_html() and "…" not in t.to_html()
    True
    >>> report_table(df, {"actual": ("全年执行数", "wan")}, units="caption").units_note
    '金额单位：万元'
    """
    if units not in ("cell", "header", "caption"):
        raise ValueError(f"units 应为 'cell'、'header' 或 'caption'，实为 {units!r}")
    unknown = [c for c in (widths or {}) if c not in columns]
    if unknown:
        raise KeyError(f"widths 中的列不在 columns 中：{'、'.join(map(str, unknown))}")
    table = format_table(frame, columns)
    labels, classes, data, moved = [], [], {}, []
    for (col, (label, kind)), values in zip(columns.items(), (table[c] for c in table.columns)):
        cells = values.tolist()
        if units != "cell" and kind in _HEADER_UNITS:
            unit = _HEADER_UNITS[kind]
            cells = [_strip_unit(v, unit) for v in cells]
            if units == "header":
                label = f"{label}（{unit}）"
            elif unit not in moved:
                moved.append(unit)
        if kind in NUMBER_KINDS:
            cls = "num"
        elif kind == "long":
            cls = "long"
        else:
            filled = [v for v in cells if v != MISSING]
            if filled and all(_NUMBER_TEXT.match(v) for v in filled):
                cls = "num"
            elif any(len(v) > LONG_TEXT for v in filled):
                cls = "long"  # would make the table too wide if kept on one line
            else:
                cls = "text"
        labels.append(label)
        classes.append(cls)
        data[label] = cells
    out = pd.DataFrame(data, index=range(1, len(frame) + 1), dtype=STR)
    header = None if index is False else ("序号" if index is True else str(index))
    note = "；".join(f"{'金额' if u == '万元' else '得分'}单位：{u}" for u in moved) or None
    hint = tuple((widths or {}).get(col) for col in columns)
    return ReportTable(out, tuple(classes), header, caption, hint, note)


__all__ += ["format_table", "report_table", "ReportTable", "finding_title", "finding_description",
            "NUMBER_KINDS"]
