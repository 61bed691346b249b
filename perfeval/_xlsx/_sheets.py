"""Analysis sheets (汇总指标, 绩效指标, 复核评分, 审核发现, 同比) and the project sheets (项目支出, 项目指标)."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from perfeval._xlsx._base import (
    FMT_RATE, FMT_RESCORE, _Context, _Formats, _HIGHLIGHT, _write_table, safe_sheet_name,
)


# --------------------------------------------------------------------------- labels

_METRIC_LABELS: dict[str, str] = {
    "name": "部门", "is_example": "示例", "budget_initial": "年初预算数", "budget_adjusted": "全年预算数",
    "actual": "全年执行数", "execution_rate": "执行率（执行数/全年预算）",
    "execution_rate_initial": "执行率（执行数/年初预算）", "adjustment_rate": "预算调整率",
    "carryover": "结转结余", "yoy_item": "同比科目", "prior_actual": "上年决算数", "yoy_change": "同比增减",
    "yoy_rate": "同比增长率", "personnel": "人员经费", "public": "公用经费", "basic": "基本支出",
    "project": "项目支出", "personnel_share": "人员经费占比", "personnel_share_basis": "占比口径",
    "staff_quota": "编制数", "staff_actual": "实际在职人数", "staff_retired": "退休人数",
    "staff_control_rate": "控制率", "per_capita_actual": "人均支出",
}
_YOY_LABELS: dict[str, str] = {
    "item": "科目", "actual": "当年决算数", "prior_actual": "上年决算数", "yoy_change": "同比增减",
    "yoy_rate": "同比增长率",
}



def _with_names(ctx: _Context, frame: pd.DataFrame) -> pd.DataFrame:
    if "dept_id" not in frame.columns or "dept_name" in frame.columns:
        return frame
    names = ctx.ds.departments[["dept_id", "name"]].rename(columns={"name": "dept_name"})
    out = frame.merge(names, on="dept_id", how="left")
    cols = list(frame.columns)
    pos = cols.index("dept_id") + 1
    return out[cols[:pos] + ["dept_name"] + cols[pos:]]


def _select(frame: pd.DataFrame, keys: set[tuple[str, int]] | None, depts: set[str] | None) -> pd.DataFrame:
    out = frame
    if depts is not None and "dept_id" in out.columns:
        out = out.loc[out["dept_id"].isin(sorted(depts))]
    if keys is not None and "dept_id" in out.columns and "year" in out.columns and len(out):
        depts_in = sorted({d for d, _ in keys})
        wanted = pd.MultiIndex.from_tuples(sorted(keys), names=["dept_id", "year"]) if keys else None
        have = pd.MultiIndex.from_arrays([out["dept_id"].astype(str), out["year"].astype("Int64")])
        mask = have.isin(wanted) if wanted is not None else np.zeros(len(out), dtype=bool)
        # a row without a year (e.g. a finding about the department as a whole) stays with its department
        mask = mask | (out["year"].isna() & out["dept_id"].isin(depts_in)).to_numpy(dtype=bool)
        out = out.loc[mask]
    return out.reset_index(drop=True)


def _indicator_table(ctx: _Context) -> pd.DataFrame:
    ind = ctx.ds.indicators
    keep = [
        c for c in (
            "dept_id", "year", "seq", "level1", "level2", "name", "target", "target_op", "target_value",
            "target_unit", "actual", "actual_op", "actual_value", "actual_unit", "actual_vague", "rule",
            "direction", "weight",
        ) if c in ind.columns
    ]
    base = ind[keep]
    card = ctx.scorecard.indicators
    extra = [c for c in ("reported_score", "score", "ratio", "basis", "shortfall", "over_achievement") if c in card.columns]
    out = base.merge(card[["dept_id", "year", "seq", *extra]], on=["dept_id", "year", "seq"], how="left")
    if "reported_score" not in out.columns and "score" in ind.columns:
        out = out.merge(
            ind[["dept_id", "year", "seq", "score"]].rename(columns={"score": "reported_score"}),
            on=["dept_id", "year", "seq"], how="left",
        )
    if {"target_value", "actual_value"} <= set(out.columns):
        tv = pd.to_numeric(out["target_value"], errors="coerce").astype("Float64")
        av = pd.to_numeric(out["actual_value"], errors="coerce").astype("Float64")
        out = out.assign(deviation=av - tv)
    if {"score", "reported_score"} <= set(out.columns):
        out = out.assign(
            score_diff=pd.to_numeric(out["score"], errors="coerce").astype("Float64")
            - pd.to_numeric(out["reported_score"], errors="coerce").astype("Float64")
        )
    if "reason" in ind.columns:
        out = out.merge(ind[["dept_id", "year", "seq", "reason"]], on=["dept_id", "year", "seq"], how="left")
    return _with_names(ctx, out)


def _write_analysis(
    wb: Workbook, F: _Formats, ctx: _Context, taken: list[str],
    keys: set[tuple[str, int]] | None, depts: set[str] | None,
) -> None:
    """Sheets 汇总指标, 绩效指标, 复核评分, 审核发现, 同比."""

    def sheet(name: str) -> Worksheet:
        nm = safe_sheet_name(name, taken)
        taken.append(nm)
        return wb.add_worksheet(nm)

    metrics = _select(ctx.metrics, keys, depts)
    if "name" not in metrics.columns:
        metrics = _with_names(ctx, metrics)
    _write_table(sheet("汇总指标"), F, metrics, labels=_METRIC_LABELS)

    ws = sheet("绩效指标")
    table = _select(_indicator_table(ctx), keys, depts)
    last_row, _ = _write_table(ws, F, table, formats={"ratio": FMT_RATE})
    if "score_diff" in table.columns and len(table):
        c = list(table.columns).index("score_diff")
        ws.conditional_format(1, c, last_row, c, {
            "type": "cell", "criteria": "!=", "value": 0, "format": F(**_HIGHLIGHT, num_format=FMT_RESCORE),
        })

    _write_table(sheet("复核评分"), F, _with_names(ctx, _select(ctx.scorecard.totals, keys, depts)))

    ws = sheet("审核发现")
    findings = _with_names(ctx, _select(ctx.findings, keys, depts))
    last_row, _ = _write_table(ws, F, findings)
    if "severity" in findings.columns and len(findings):
        c = list(findings.columns).index("severity")
        ws.conditional_format(1, c, last_row, c, {
            "type": "text", "criteria": "containing", "value": "错误",
            "format": F(bg_color="#FFC7CE", font_color="#9C0006"),
        })

    _write_table(sheet("同比"), F, _with_names(ctx, _select(ctx.yoy, keys, depts)), labels=_YOY_LABELS)


_PROJECT_LABELS: dict[str, str] = {
    "project": "项目名称", "initial_budget": "年初预算数", "adjusted_budget": "全年预算数", "actual": "全年执行数",
    "total_reported": "总得分（自评）", "indicators": "指标数", "shortfalls": "未达指标值的指标数",
    "findings": "复核发现（项）",
}


def _write_projects(wb: Workbook, F: _Formats, ctx: _Context, taken: list[str],
                    keys: Iterable[tuple[str, int]]) -> None:
    """Sheets 项目支出 (one row per project form) and 项目指标 (their indicators, re-scored), when
    the department-years written have project forms; nothing otherwise (``perfeval._projects``)."""
    from perfeval._projects import review_projects

    summaries, indicators = [], []
    for d, y in keys:
        review = review_projects(ctx.ds, d, y, ctx.framework)
        if review.empty:
            continue
        summaries.append(review.summary.assign(dept_id=d, year=y))
        indicators.append(review.indicators)
    if not summaries:
        return
    front = ["dept_id", "year", "project"]
    summary = pd.concat(summaries, ignore_index=True)
    summary = summary[front + [c for c in summary.columns if c not in front]]
    ind = pd.concat(indicators, ignore_index=True)
    keep = [c for c in ("dept_id", "year", "project", "seq", "level1", "level2", "name", "target", "actual", "weight",
                        "reported_score", "score", "ratio", "basis", "shortfall") if c in ind.columns]
    for name, frame, lab in (("项目支出", _with_names(ctx, summary), _PROJECT_LABELS),
                             ("项目指标", _with_names(ctx, ind[keep]), {"project": "项目名称"})):
        nm = safe_sheet_name(name, taken)
        taken.append(nm)
        _write_table(wb.add_worksheet(nm), F, frame, labels=lab, formats={"ratio": FMT_RATE})


