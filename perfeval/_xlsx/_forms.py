"""The standard attachment forms: 附件1-1 (收支情况) and 附件1-2 (绩效自评表), one sheet each per department-year."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from perfeval._format import exact_sum
from perfeval._xlsx._base import (
    FMT_COUNT, FMT_MONEY, FMT_RATE, FMT_RESCORE, FMT_SCORE, _COMPUTED, _Context, _Formats, _HIGHLIGHT,
    _differs, _fmt_number_label, _isna, _merge, _num, _put, _text_width,
)


# --------------------------------------------------------------------------- 附件1-1


_NOTE_1_1 = (
    "说明：“公用经费”填报基本支出中的一般商品和服务支出；“项目支出”需要填报基本支出以外的所有项目支出情况，"
    "包括业务工作项目、运行维护项目和县级专项资金等。"
)

# (label, finance items, indent level)
_ROWS_1_1_HEAD: list[tuple[str, tuple[str, ...], int]] = [
    ("一、部门基本支出", ("基本支出",), 0),
    ("其中：1、压缩一般性支出", ("压缩一般性支出",), 2),
    ("2、三公经费", ("三公经费",), 2),
    ("公务用车购置和维护经费", ("公务用车购置和维护经费", "公务用车购置和运行维护"), 3),
    ("其中：公车购置", ("公务用车购置",), 5),
    ("公车运行维护", ("公务用车运行维护",), 7),
    ("公务接待", ("公务接待",), 3),
    ("出国经费", ("因公出国(境)",), 3),
    ("二、部门项目支出", ("项目支出",), 0),
]
_PROJECT_GROUPS: list[tuple[str, str]] = [
    ("1、业务工作专项(一个项目一行)", "业务工作专项"),
    ("2、运行维护专项(一个项目一行)", "运行维护专项"),
    ("3、县级专项资金（一个专项一行）", "县级专项资金"),
]


def _write_form_1_1(ws: Worksheet, F: _Formats, ctx: _Context, dept_id: str, year: int) -> None:
    cell = F(border=1)
    label = F(border=1, text_wrap=True)
    head = F(border=1, bold=True, align="center", text_wrap=True)
    money = F(border=1, num_format=FMT_MONEY)
    count = F(border=1, num_format=FMT_COUNT, align="center")
    computed_rate = F(border=1, num_format=FMT_RATE, align="center", **_COMPUTED)
    computed_money = F(border=1, num_format=FMT_MONEY, **_COMPUTED)

    ws.set_column(0, 0, 40)
    ws.set_column(1, 3, 16)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.hide_gridlines(2)

    _put(ws, 0, 0, "附件1-1", F(bold=True))
    _merge(ws, 1, 0, 1, 3, "部门整体支出绩效评价基础数据表", F(bold=True, font_size=16, align="center"))
    ws.set_row(1, 28)
    _put(ws, 2, 0, "填报单位：" + ctx.dept_name(dept_id), F())
    _merge(ws, 2, 1, 2, 2, f"年度：{year}年", F(align="center"))
    _put(ws, 2, 3, "单位：万元", F(align="right"))

    # 财政供养人员情况
    r = 3
    for c, text in enumerate(["财政供养人员情况", "编制数", f"{year}年实际在职人数", "控制率"]):
        _put(ws, r, c, text, head)
    staff = ctx.row(ctx.ds.staffing, dept_id, year)
    quota = staff["quota"] if staff is not None else pd.NA
    actual = staff["actual"] if staff is not None else pd.NA
    r += 1
    _put(ws, r, 0, None, cell)
    _put(ws, r, 1, quota, count)
    _put(ws, r, 2, actual, count)
    q, a = _num(quota), _num(actual)
    if q and a is not None:
        _put(ws, r, 3, a / q, computed_rate)
        ws.write_comment(r, 3, "perfeval 计算：实际在职人数 ÷ 编制数（报告表中此格通常留空）。", {"x_scale": 2})
    else:
        _put(ws, r, 3, None, cell)

    # 经费控制情况
    r += 1
    for c, text in enumerate(["经费控制情况", "当年决算数", "当年预算数", "上年决算数"]):
        _put(ws, r, c, text, head)

    def money_row(row: int, text: str, items: Sequence[str], indent: int, comment: str | None = None) -> None:
        _put(ws, row, 0, text, F(border=1, text_wrap=True, indent=indent) if indent else label)
        _put(ws, row, 1, ctx.fin(dept_id, year, items, "actual"), money)
        _put(ws, row, 2, ctx.fin(dept_id, year, items, "adjusted_budget"), money)
        _put(ws, row, 3, ctx.fin(dept_id, year - 1, items, "actual"), money)
        if comment:
            ws.write_comment(row, 0, comment, {"x_scale": 2})

    for text, items, indent in _ROWS_1_1_HEAD:
        r += 1
        money_row(r, text, items, indent)
        if items[0] == "公务用车购置和维护经费":
            # blank when not reported; the sum of its two parts when both are known
            if _isna(ctx.fin(dept_id, year, items, "actual")):
                for col, (yr, column) in zip((1, 2, 3), ((year, "actual"), (year, "adjusted_budget"), (year - 1, "actual"))):
                    parts = [ctx.fin(dept_id, yr, (p,), column) for p in ("公务用车购置", "公务用车运行维护")]
                    if all(not _isna(p) for p in parts):
                        _put(ws, r, col, exact_sum(parts), computed_money)
                        ws.write_comment(r, col, "perfeval 计算：公车购置 + 公车运行维护（报告未单列）。")

    rows_now = ctx.finance_rows(dept_id, year)
    group_items = {item for _, item in _PROJECT_GROUPS}
    loose = rows_now.loc[
        (rows_now["parent"] == "项目支出") & ~rows_now["item"].isin(list(group_items))
    ]["item"].tolist()
    for i, (text, item) in enumerate(_PROJECT_GROUPS):
        r += 1
        money_row(r, text, (item,), 0)
        projects = rows_now.loc[rows_now["parent"] == item]["item"].tolist()
        if i == 0:
            projects = projects + [p for p in loose if p not in projects]
        for p in projects:
            r += 1
            note = None
            if p in loose:
                note = "上级科目为“项目支出”，未标明专项类别，列在业务工作专项下。"
            money_row(r, str(p), (p,), 2, note)
        if not projects:
            r += 1
            money_row(r, "", ("\x00none",), 0)
            r += 1
            money_row(r, "……", ("\x00none",), 0)

    r += 1
    money_row(r, "政府采购金额", ("政府采购",), 0)
    r += 1
    _put(ws, r, 0, "厉行节约保障措施", label)
    _merge(ws, r, 1, r, 3, None, F(border=1, text_wrap=True))
    r += 1
    _merge(ws, r, 0, r, 3, _NOTE_1_1, F(text_wrap=True, font_size=9))
    ws.set_row(r, 30)


# --------------------------------------------------------------------------- 附件1-2


_SOURCE_ROWS: list[tuple[str, str]] = [
    ("其中：一般公共预算", "一般公共预算"),
    ("政府性基金拨款", "政府性基金"),
    ("纳入管理的非税收入拨款", "纳入管理的非税收入"),
    ("其他资金", "其他资金"),
]
_EXTRA_SOURCES: list[tuple[str, str]] = [
    ("国有资本经营预算拨款", "国有资本经营预算"),
    ("上年结转", "上年结转"),
]
_NATURE_ROWS: list[tuple[str, str]] = [
    ("基本支出", "基本支出"),
    ("其中：人员经费", "人员经费"),
    ("公用经费", "公用经费"),
    ("项目支出", "项目支出"),
]


def _numbered(texts: Iterable[Any]) -> str:
    items = [str(t).strip() for t in texts if not _isna(t) and str(t).strip()]
    return "\n".join(f"{i}、{t}" for i, t in enumerate(items, 1))


def _level1_label(level1: Any, weight: Any) -> str:
    name = "" if _isna(level1) else str(level1).strip()
    if name and not name.endswith("指标"):
        name += "指标"
    w = _fmt_number_label(weight)
    return f"{name}（{w}分）" if w else name


def _runs(values: Sequence[Any]) -> list[tuple[int, int]]:
    """(start, end) index pairs of consecutive equal values."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or str(values[i]) != str(values[start]):
            out.append((start, i - 1))
            start = i
    return out


def _lines(text: Any, width_units: float) -> int:
    """Lines a wrapped text needs in a column of ``width_units``."""
    if _isna(text):
        return 1
    total = 0
    for line in str(text).splitlines() or [""]:
        total += max(1, math.ceil(_text_width(line) / max(width_units - 1, 1.0)))
    return total


def _row_height(text: str, width_units: float) -> float | None:
    if not text:
        return None
    lines = 0
    for line in text.splitlines() or [""]:
        lines += max(1, math.ceil(_text_width(line) / max(width_units, 1.0)))
    return max(15.0, 14.0 * lines + 2)


def _execution_comment(tot: pd.Series | None, ev: pd.Series | None) -> str:
    if tot is None:
        return ""
    rate = _num(tot.get("execution_rate"))
    weight = _num(tot.get("execution_weight"))
    score = _num(tot.get("execution_score"))
    rate_txt = f"{rate:.2%}" if rate is not None else "未知"
    parts = [f"复核：执行率 {rate_txt}（全年执行数 ÷ 全年预算数）"]
    if weight is not None and score is not None:
        parts.append(f"× 分值 {_fmt_number_label(weight)} = {score:.2f}")
    if ev is not None:
        raw = ev.get("execution_rate")
        rep = ev.get("execution_score")
        parts.append(
            f"；报告执行率「{'' if _isna(raw) else raw}」，报告得分 {_fmt_number_label(rep) or '空'}"
        )
    return " ".join(parts[:2]) + (parts[2] if len(parts) > 2 else "")


def _write_form_1_2(ws: Worksheet, F: _Formats, ctx: _Context, dept_id: str, year: int) -> None:
    cell = F(border=1)
    wrap = F(border=1, text_wrap=True)
    wrap_top = F(border=1, text_wrap=True, valign="top")
    head = F(border=1, bold=True, align="center", text_wrap=True)
    center = F(border=1, align="center", text_wrap=True)
    money = F(border=1, num_format=FMT_MONEY)
    rate = F(border=1, num_format=FMT_RATE, align="center")
    score = F(border=1, num_format=FMT_SCORE, align="center")
    rescore = F(border=1, num_format=FMT_RESCORE, align="center", **_HIGHLIGHT)
    text_center = F(border=1, align="center", text_wrap=True)

    widths = [10, 22, 16, 36, 14, 14, 8, 8, 10]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.hide_gridlines(2)

    sc = ctx.scorecard
    ev = ctx.row(ctx.ds.evaluations, dept_id, year)
    tot = ctx.row(sc.totals, dept_id, year)

    _put(ws, 0, 0, "附件1-2", F(bold=True))
    _merge(ws, 1, 0, 1, 7, "部门整体支出绩效自评表", F(bold=True, font_size=16, align="center"))
    ws.set_row(1, 28)
    _merge(ws, 2, 0, 2, 7, f"（ {year}年度）", F(align="center"))
    _merge(ws, 3, 0, 3, 3, "填报单位：" + ctx.dept_name(dept_id), F())
    _merge(ws, 3, 4, 3, 5, f"年度：{year}年", F(align="center"))
    _merge(ws, 3, 6, 3, 7, "单位：万元", F(align="right"))

    # ---- 部门资金
    r0 = 4
    for c, text in enumerate(["", "年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "得分", "复核得分"], 1):
        _put(ws, r0, c, text, head)
    r = r0 + 1
    _put(ws, r, 1, "年度资金总额", wrap)
    _put(ws, r, 2, ctx.fin(dept_id, year, ("年度资金总额",), "initial_budget"), money)
    _put(ws, r, 3, ctx.fin(dept_id, year, ("年度资金总额",), "adjusted_budget"), money)
    _put(ws, r, 4, ctx.fin(dept_id, year, ("年度资金总额",), "actual"), money)
    if ev is not None and not _isna(ev.get("execution_rate_value")):
        _put(ws, r, 5, ev["execution_rate_value"], rate)
    else:
        _put(ws, r, 5, None if ev is None else ev.get("execution_rate"), text_center)
    _put(ws, r, 6, None if ev is None else ev.get("execution_weight"), score)
    _put(ws, r, 7, None if ev is None else ev.get("execution_score"), score)
    if tot is not None and _differs(tot.get("execution_score"), tot.get("execution_score_reported")):
        _put(ws, r, 8, tot.get("execution_score"), rescore)
        ws.write_comment(r, 8, _execution_comment(tot, ev), {"x_scale": 2.5, "y_scale": 1.5})
    else:
        _put(ws, r, 8, None, cell)

    r += 1
    _merge(ws, r, 1, r, 2, "按收入性质分", head)
    _merge(ws, r, 3, r, 4, "按支出性质分", head)
    _merge(ws, r, 5, r, 8, None, cell)
    present = set(ctx.finance_rows(dept_id, year)["item"].dropna().astype(str))
    sources = _SOURCE_ROWS + [s for s in _EXTRA_SOURCES if s[1] in present]
    n_pairs = max(len(sources), len(_NATURE_ROWS))
    first_pair = r + 1
    for i in range(n_pairs):
        r += 1
        for col, rows in ((1, sources), (3, _NATURE_ROWS)):  # by source in B:C, by nature in D:E
            if i < len(rows):
                text, item = rows[i]
                _put(ws, r, col, text, wrap)
                _put(ws, r, col + 1, ctx.fin(dept_id, year, (item,), "adjusted_budget"), money)
            else:
                _put(ws, r, col, None, cell)
                _put(ws, r, col + 1, None, cell)
    if n_pairs:
        _merge(ws, first_pair, 5, r, 8, None, cell)
    _merge(ws, r0, 0, r, 0, "部门资金（万元）", center)

    # ---- 年度总体目标
    g = ctx.part(ctx.ds.goals, dept_id, year)
    if "seq" in g.columns:
        g = g.sort_values("seq", kind="stable")
    r += 1
    g0 = r
    _merge(ws, r, 1, r, 4, "年初预期（设定）目标", head)
    _merge(ws, r, 5, r, 8, "全年实际完成情况", head)
    r += 1
    goal_text = _numbered(g["goal"].tolist())
    result_text = _numbered(g["result"].tolist())
    _merge(ws, r, 1, r, 4, goal_text, wrap_top)
    _merge(ws, r, 5, r, 8, result_text, wrap_top)
    h = max(_row_height(goal_text, 80) or 0, _row_height(result_text, 44) or 0)
    if h:
        ws.set_row(r, min(h, 409))
    _merge(ws, g0, 0, r, 0, "年度总体目标", center)

    # ---- 绩效指标
    rows = ctx.part(ctx.ds.indicators, dept_id, year)
    if "seq" in rows.columns:
        rows = rows.sort_values("seq", kind="stable")
    card = ctx.part(sc.indicators, dept_id, year)
    by_seq = {int(s): row for s, row in zip(card["seq"], (card.iloc[i] for i in range(len(card))))} if "seq" in card.columns else {}
    cats = ctx.part(sc.categories, dept_id, year)
    declared = {str(l1): w for l1, w in zip(cats["level1"], cats["declared_weight"])}

    r += 1
    h0 = r
    for c, text in enumerate(["一级指标", "二级指标", "三级指标", "指标值", "完成值", "分值", "得分", "复核得分"], 1):
        _put(ws, r, c, text, head)
    first = r + 1
    records = [rows.iloc[i] for i in range(len(rows))]
    for i, rec in enumerate(records):
        r += 1
        _put(ws, r, 1, None, center)
        _put(ws, r, 2, None, center)
        _put(ws, r, 3, rec.get("name"), wrap)
        _put(ws, r, 4, rec.get("target"), text_center)
        _put(ws, r, 5, rec.get("actual"), text_center)
        _put(ws, r, 6, rec.get("weight"), score)
        _put(ws, r, 7, rec.get("score"), score)
        hit = by_seq.get(int(rec["seq"])) if "seq" in rec.index and not _isna(rec.get("seq")) else None
        if hit is not None and _differs(hit.get("score"), rec.get("score")):
            _put(ws, r, 8, hit.get("score"), rescore)
            basis = hit.get("basis")
            note = "" if _isna(basis) else str(basis)
            ws.write_comment(r, 8, note or "复核得分与报告得分不同。", {"x_scale": 2.5, "y_scale": 1.5})
        else:
            _put(ws, r, 8, None, cell)
    l2_lines: dict[int, int] = {}
    if not records:
        r += 1
        for c in range(1, 9):
            _put(ws, r, c, None, cell)
    else:
        l1 = [rec.get("level1") for rec in records]
        for s, e in _runs(l1):
            key = "" if _isna(l1[s]) else str(l1[s])
            weight = declared.get(key)
            if _isna(weight):
                weights = [_num(records[k].get("weight")) for k in range(s, e + 1)]
                weight = exact_sum(weights)
            _merge(ws, first + s, 1, first + e, 1, _level1_label(l1[s], weight), center)
            l2 = [records[k].get("level2") for k in range(s, e + 1)]
            for s2, e2 in _runs(l2):
                _merge(ws, first + s + s2, 2, first + s + e2, 2, l2[s2], center)
                if s2 == e2:
                    l2_lines[s + s2] = _lines(l2[s2], widths[2])
        for i, rec in enumerate(records):
            lines = max(
                l2_lines.get(i, 1), _lines(rec.get("name"), widths[3]),
                _lines(rec.get("target"), widths[4]), _lines(rec.get("actual"), widths[5]),
            )
            if lines > 1:
                ws.set_row(first + i, 14.0 * lines + 2)
    _merge(ws, h0, 0, r, 0, "绩效指标", center)

    # ---- 综合评定等级 / 总分
    r += 1
    _put(ws, r, 0, "综合评定等级", center)
    _merge(ws, r, 1, r, 3, None if ev is None else ev.get("grade"), center)
    _merge(ws, r, 4, r, 5, "总  分", center)
    _put(ws, r, 6, None if ev is None else ev.get("total_weight"), score)
    _put(ws, r, 7, None if ev is None else ev.get("total_score"), score)
    grade_differs = False
    if tot is not None:
        gn, gr = tot.get("grade_reported_normalised"), tot.get("grade")
        grade_differs = not _isna(gr) and (_isna(gn) or str(gn) != str(gr))
    if tot is not None and (_differs(tot.get("total"), tot.get("total_reported")) or grade_differs):
        _put(ws, r, 8, tot.get("total"), rescore)
        rep_total = _fmt_number_label(tot.get("total_reported")) or "空"
        rep_grade = "" if _isna(tot.get("grade_reported")) else str(tot.get("grade_reported"))
        total_txt = "未知" if _isna(tot.get("total")) else f"{float(tot.get('total')):.2f}"
        note = (
            f"复核总分 {total_txt}，复核等级 {'' if _isna(tot.get('grade')) else tot.get('grade')}"
            f"（报告总分 {rep_total}，报告等级 {rep_grade or '空'}）。"
            f"复核总分 = 执行率得分 + 各指标复核得分"
        )
        fw = tot.get("framework")
        if not _isna(fw) and str(fw):
            note += f"；评分框架 {fw}"
        ws.write_comment(r, 8, note + "。", {"x_scale": 2.5, "y_scale": 1.5})
    else:
        _put(ws, r, 8, None, cell)

    # ---- 说明
    r += 1
    _merge(ws, r, 1, r, 4, "偏差及原因分析", head)
    _merge(ws, r, 5, r, 8, "改进措施", head)
    reasons = [
        f"{rec.get('name')}：{rec.get('reason')}"
        for rec in records
        if "reason" in rec.index and not _isna(rec.get("reason")) and str(rec.get("reason")).strip()
    ]
    r += 1
    reason_text = _numbered(reasons)
    _merge(ws, r, 1, r, 4, reason_text, wrap_top)
    _merge(ws, r, 5, r, 8, None, wrap_top)
    ws.set_row(r, min(_row_height(reason_text, 80) or 30, 409))
    _merge(ws, r - 1, 0, r, 0, "说明", center)


