"""A department's project forms (项目支出绩效自评表), reviewed apart from the department.

``load()`` keeps the rows of project forms in ``Dataset.projects`` so that they never
enter the department's totals, metrics, score or findings. The department report
still shows them, each project on its own: :func:`review_projects` re-scores and
checks every project of a dept-year as a dataset of its own (the project's funds,
indicators, goals and evaluation under the department's row) and
:func:`projects_summary` writes the paragraph about them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from ._dataset import STR
from ._format import is_blank
from ._vocab import ROOT_ITEM

__all__ = ["ProjectReview", "project_dataset", "review_projects", "projects_summary"]

#: the tables a project form fills (no staffing: a project has no establishment of its own)
PROJECT_TABLES = ("finance", "indicators", "goals", "evaluations")

SUMMARY_COLUMNS = ["project", "framework", "initial_budget", "adjusted_budget", "actual", "execution_rate",
                   "total_weight", "total_reported", "total", "grade_reported", "grade", "indicators",
                   "shortfalls", "findings"]


@dataclass(frozen=True)
class ProjectReview:
    """The projects of one dept-year, each re-scored and checked on its own.

    Attributes
    ----------
    summary : DataFrame
        One row per project (in the order of the dataset): ``project, framework,
        initial_budget, adjusted_budget, actual`` (年度资金总额, 万元),
        ``execution_rate`` (fraction, from the funds), ``total_weight,
        total_reported`` (the form's 总分), ``total`` (re-scored), ``grade_reported,
        grade``, ``indicators`` (count), ``shortfalls`` (indicators short of target)
        and ``findings`` (count).
    indicators : DataFrame
        The re-scored indicators (``Scorecard.indicators`` columns) with ``project``,
        ``target`` and ``actual`` (as written).
    findings : DataFrame
        ``check`` of each project, with ``project``.
    """

    summary: pd.DataFrame
    indicators: pd.DataFrame
    findings: pd.DataFrame

    @property
    def empty(self) -> bool:
        return self.summary.empty


def _rows(df: pd.DataFrame | None, dept_id: str, year: int, project: str | None = None) -> pd.DataFrame | None:
    if df is None or df.empty:
        return None
    mask = (df["dept_id"] == dept_id) & (df["year"] == year)
    if project is not None:
        mask &= df["project"] == project
    return df[mask.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def project_names(ds: Any, dept_id: str, year: int) -> list[str]:
    """The projects of a dept-year, in the order their rows first appear."""
    seen: dict[str, None] = {}
    for name in PROJECT_TABLES:
        sub = _rows(ds.projects.get(name), dept_id, year)
        if sub is not None:
            seen.update(dict.fromkeys(str(p) for p in sub["project"].dropna()))
    return list(seen)


def project_dataset(ds: Any, dept_id: str, year: int, project: str) -> Any:
    """One project's rows as a dataset of their own: the department's row, the project's tables, no staffing."""
    frames = {}
    for name in PROJECT_TABLES:
        sub = _rows(ds.projects.get(name), dept_id, year, project)
        frames[name] = getattr(ds, name).iloc[0:0] if sub is None else sub
    deps = ds.departments[ds.departments["dept_id"] == dept_id].reset_index(drop=True)
    return replace(ds, departments=deps, staffing=ds.staffing.iloc[0:0], projects={}, **frames)


def _rate(stated_by_scoring: Any, money: dict) -> Any:
    """The execution rate the scoring used, else 全年执行数 / 全年预算数 of the project's funds."""
    if not is_blank(stated_by_scoring):
        return stated_by_scoring
    budget, actual = money.get("adjusted_budget"), money.get("actual")
    if is_blank(budget) or is_blank(actual) or not float(budget):
        return None
    return float(actual) / float(budget)


def review_projects(ds: Any, dept_id: str, year: int, framework: Any = None) -> ProjectReview:
    """Re-score and check each project form of ``dept_id`` in ``year`` (empty when it has none).

    ``framework`` is used for a project whose ``evaluations.framework`` is blank,
    as in :func:`perfeval.rescore`.
    """
    from ._checks import check
    from ._scoring import rescore

    year = int(year)
    rows, inds, finds = [], [], []
    for project in project_names(ds, dept_id, year):
        sub = project_dataset(ds, dept_id, year, project)
        card = rescore(sub, framework)
        found = check(sub, framework, scorecard=card)
        tot = card.totals.iloc[0].to_dict() if len(card.totals) else {}
        fin = sub.finance[sub.finance["item"] == ROOT_ITEM]
        money = fin.iloc[0].to_dict() if len(fin) else {}
        ind = card.indicators.merge(sub.indicators[["seq", "target", "actual"]], on="seq", how="left",
                                    suffixes=("", "_raw"))
        rows.append({
            "project": project, "framework": tot.get("framework"),
            "initial_budget": money.get("initial_budget"), "adjusted_budget": money.get("adjusted_budget"),
            "actual": money.get("actual"), "execution_rate": _rate(tot.get("execution_rate"), money),
            "total_weight": tot.get("total_weight"), "total_reported": tot.get("total_reported"),
            "total": tot.get("total"), "grade_reported": tot.get("grade_reported"), "grade": tot.get("grade"),
            "indicators": len(ind), "shortfalls": int(ind["shortfall"].fillna(False).astype(bool).sum()),
            "findings": len(found),
        })
        inds.append(ind.assign(project=project))
        finds.append(found.assign(project=project))
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    for c in ("project", "framework", "grade_reported", "grade"):
        summary[c] = summary[c].astype(STR)
    for c in ("initial_budget", "adjusted_budget", "actual", "execution_rate", "total_weight", "total_reported",
              "total"):
        summary[c] = pd.to_numeric(summary[c], errors="coerce").astype("Float64")
    for c in ("indicators", "shortfalls", "findings"):
        summary[c] = summary[c].astype("Int64")
    return ProjectReview(summary,
                         pd.concat(inds, ignore_index=True) if inds else pd.DataFrame(columns=["project"]),
                         pd.concat(finds, ignore_index=True) if finds else pd.DataFrame(columns=["project"]))


def projects_summary(review: ProjectReview) -> Any:
    """A paragraph on the department's projects; empty text when it has none.

    Facts: ``projects`` (count) and per project ``i`` (1-based) ``project_i``,
    ``adjusted_budget_i``, ``actual_i``, ``execution_rate_i``, ``total_reported_i``,
    ``total_i``, ``shortfalls_i``, ``findings_i``.
    """
    from ._narrative import _Writer

    w = _Writer()
    s = review.summary
    if s.empty:
        w.facts["projects"] = 0
        return w.done()
    w.add(f"本年度另有{w.count('projects', len(s), '个')}项目填报了项目支出绩效自评表，"
          "其资金与得分单独列示，不计入部门整体的资金、指标和得分。")
    for i, r in enumerate(s.to_dict("records"), start=1):
        w.facts[f"project_{i}"] = r["project"]
        parts = []
        if not is_blank(r["adjusted_budget"]) or not is_blank(r["actual"]):
            parts.append(f"全年预算数{w.wan(f'adjusted_budget_{i}', r['adjusted_budget'])}、"
                         f"执行数{w.wan(f'actual_{i}', r['actual'])}")
        if not is_blank(r["execution_rate"]):
            parts.append(f"执行率{w.pct(f'execution_rate_{i}', r['execution_rate'])}")
        if not is_blank(r["total_reported"]) or not is_blank(r["total"]):
            parts.append(f"自评{w.score(f'total_reported_{i}', r['total_reported'])}、"
                         f"复核{w.score(f'total_{i}', r['total'])}")
        n_short, n_find = int(r["shortfalls"]), int(r["findings"])
        w.facts[f"shortfalls_{i}"], w.facts[f"findings_{i}"] = n_short, n_find
        if not int(r["indicators"]):
            parts.append("未填报绩效指标")
        else:
            parts.append(f"{n_short}项指标未达到指标值" if n_short else "各项指标均达到指标值")
        parts.append(f"复核发现问题{n_find}项" if n_find else "复核未发现问题")
        w.add(f"「{r['project']}」：{'，'.join(parts)}。")
    return w.done()
