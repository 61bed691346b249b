"""Seeded synthetic province: counties × departments × years, with known contradictions.

:func:`synth` writes a dataset in the input contract (``docs/data-model.md``) that
looks like what a provincial finance department collects: every county sends the
self-evaluations of its departments for several years, with a realistic mix of
finance lines (sources, natures, 人员经费 detail, projects, 三公经费, 政府采购,
结转结余), staffing, 7–13 performance indicators written in the many ways real
forms write them (``≥95%``, ``95%以上``, ``≤ 30 万元``, full-width ``９８％``,
``100%`` achieved as ``1``, ``9月前``, ``按时完成``, ``不突破预算`` …), goals and
the self-evaluation totals.

Clean department-years are internally consistent: parts add up to their whole,
funds balance, every re-scored indicator equals its reported score, every shortfall
has its 偏差原因, totals and grades agree. A chosen share of department-years
(``contradiction_rate``) then gets one injected contradiction each; the injected
codes cycle through every finding code of :data:`perfeval.CATALOGUE`, so each code
occurs whenever there are at least as many injected department-years as codes.
The findings each injection implies (the contradiction itself and its arithmetic
consequences, e.g. a blank score also makes the total disagree) are written to
``truth.csv`` beside the data: ``code, dept_id, year, key, injected`` where ``key``
is a piece of the finding's ``location`` (``第3项``, ``一级指标「产出」``,
``资金 三公经费 全年执行数`` …) and ``injected`` names the contradiction that was
planted. :func:`score_audit` compares :func:`perfeval.check` with it.

Everything is deterministic for a ``seed``: each department-year draws from its own
generator seeded with ``(seed, dept_id, year)``.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

__all__ = ["synth", "SynthResult", "score_audit", "TRUTH_FILE", "TRUTH_COLUMNS"]

TRUTH_FILE = "truth.csv"
TRUTH_COLUMNS = ["code", "dept_id", "year", "key", "injected"]

_COUNTY_NAMES = (
    "临江县", "青山县", "安平县", "白石县", "东湖区", "长宁县", "清河县", "永和县", "南岭县", "北川区",
    "桃源县", "双峰县", "龙泉县", "新田县", "宁远县", "石门县", "平江县", "汉寿县", "宜章县", "祁东县",
)
#: (key, short name, full name suffix, base quota)
_DEPARTMENTS = (
    ("czj", "财政局", "财政局", 40), ("jyj", "教育局", "教育局", 35), ("wjw", "卫健委", "卫生健康委员会", 36),
    ("nync", "农业农村局", "农业农村局", 60), ("gaj", "公安局", "公安局", 120), ("mzj", "民政局", "民政局", 25),
    ("zjj", "住建局", "住房和城乡建设局", 30), ("sthj", "生态环境分局", "生态环境分局", 20), ("slj", "水利局", "水利局", 28),
    ("jtj", "交通运输局", "交通运输局", 32), ("rsj", "人社局", "人力资源和社会保障局", 30), ("sjj", "审计局", "审计局", 18),
    ("tjj", "统计局", "统计局", 15), ("wlj", "文旅局", "文化旅游广电体育局", 26), ("scjg", "市场监管局", "市场监督管理局", 50),
    ("xcb", "宣传部", "委宣传部", 15), ("zzb", "组织部", "委组织部", 16), ("wxb", "网信办", "委网信办", 10),
    ("fl", "妇联", "妇女联合会", 8), ("tw", "团委", "共青团委员会", 7), ("gsl", "工商联", "工商业联合会", 6),
    ("sfj", "司法局", "司法局", 22), ("yjj", "应急管理局", "应急管理局", 24), ("zrzy", "自然资源局", "自然资源局", 45),
    ("lyj", "林业局", "林业局", 30), ("swj", "商务局", "商务局", 14), ("fgw", "发改局", "发展和改革局", 22),
    ("gxj", "工信局", "工业和信息化局", 18), ("ybj", "医保局", "医疗保障局", 16), ("tyjr", "退役军人事务局", "退役军人事务局", 12),
)
_PROJECTS = (
    "信息化建设专项", "业务工作专项", "运行维护专项", "县级专项资金", "基层服务能力提升", "专项调查经费",
    "宣传培训经费", "安全生产专项", "乡村振兴衔接资金", "设备购置", "办公用房维修", "网络安全保障",
)
_REASONS = (
    "受疫情影响，部分工作延后开展", "上级政策调整，任务量相应减少", "项目实施周期跨年，部分工作转入下年",
    "实际需求低于年初预计", "统计口径调整", "资金下达较晚，项目推进滞后",
)
_GOALS = (
    ("全面完成年度重点工作任务", "年度重点工作任务全部完成"),
    ("加强预算管理，提高资金使用效益", "预算执行率达到目标，资金使用规范"),
    ("提升服务质量和群众满意度", "服务对象满意度保持在较高水平"),
    ("推进制度建设，规范内部管理", "修订完善内部管理制度"),
    ("做好安全生产和风险防控", "全年未发生重大安全责任事故"),
)

# indicator templates: (level1, level2, name, kind)
_OUTPUT = (
    ("产出", "数量指标", "完成年度工作任务数", "count"), ("产出", "数量指标", "开展培训场次", "count"),
    ("产出", "数量指标", "服务覆盖率", "pct_ge"), ("产出", "质量指标", "项目验收合格率", "pct_100"),
    ("产出", "质量指标", "资料归档完整率", "pct_ge"), ("产出", "质量指标", "问题整改率", "pct_100"),
    ("产出", "时效指标", "任务按时完成率", "pct_100"), ("产出", "时效指标", "年度报告报送时间", "deadline"),
    ("产出", "时效指标", "重点工作完成时限", "qual_time"), ("产出", "成本指标", "基本支出", "budget"),
    ("产出", "成本指标", "项目成本控制", "cost_le"), ("产出", "成本指标", "差错率", "pct_le"),
    ("产出", "数量指标", "信息公开条数", "count"), ("产出", "质量指标", "数据准确率", "pct_ge"),
)
_EFFECT = (
    ("效益", "社会效益指标", "公共服务水平", "qual"), ("效益", "社会效益指标", "群众办事便利度", "qual"),
    ("效益", "经济效益指标", "资金使用效益", "qual"), ("效益", "可持续影响指标", "长效管理机制", "qual"),
    ("效益", "社会效益指标", "政策知晓率", "pct_ge"), ("效益", "生态效益指标", "环境质量改善", "qual"),
    ("效益", "社会效益指标", "受益人数", "count"),
)
_SATISFY = (
    ("满意度", "满意度指标", "服务对象满意度", "sat"), ("满意度", "满意度指标", "社会公众满意度", "sat"),
)
_QUAL_TEXT = ("达成年度指标", "有效提升", "明显改善", "持续提升", "总体可控", "达成预期指标")
_UNITS = ("个", "次", "场", "人", "件", "条")

_CATEGORY_WEIGHTS = {"产出": 50.0, "效益": 30.0, "满意度": 10.0}
_EXEC_WEIGHT = 10.0
_BOUNDARIES = (60.0, 80.0, 90.0)


@dataclass
class SynthResult:
    """What :func:`synth` made: the contract frames, the truth and where they were written."""

    frames: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    folder: Path | None = None
    parquet_folder: Path | None = None
    injected: dict[str, int] = field(default_factory=dict)

    @property
    def dept_years(self) -> int:
        return int(self.frames["evaluations"].shape[0])


# --------------------------------------------------------------------------- numbers and text


def _wan(yuan: int) -> str:
    """Integer yuan as 万元 text with up to 4 decimals (``853561`` → ``85.3561``)."""
    s = f"{yuan / 10000:.4f}".rstrip("0").rstrip(".")
    return s


def _pct_text(rng: random.Random, op: str, value: float) -> str:
    v = f"{value:g}"
    if op == "≥":
        forms = (f"≥{v}%", f"≥{v}%", f">={v}%", f"不低于{v}%", f"{v}%以上", f"≥{v}", "full")
    elif op == "≤":
        forms = (f"≤{v}%", f"≤{v}%", f"<={v}%", f"不高于{v}%", f"{v}%以下", f"≤ {v} %")
    else:
        forms = (f"{v}%", f"{v}%", f"{value:.2f}%")
    f = rng.choice(forms)
    if f == "full":  # full-width digits and signs, as copied out of Word
        f = "≥" + "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in v) + "％"
    return f


def _achieved_pct(rng: random.Random, value: float, target_unitless: bool) -> str:
    v = f"{value:g}"
    if target_unitless:
        return v
    return rng.choice((f"{v}%", f"{v}%", f"{v}%", f"{value:.2f}%"))


def _split_int(total: int, parts: int, rng: random.Random, low: int = 1) -> list[int]:
    """Split ``total`` into ``parts`` positive integers summing exactly."""
    if parts == 1:
        return [total]
    cuts = sorted(rng.sample(range(low, max(total - low, low + parts)), parts - 1))
    out, prev = [], 0
    for c in cuts:
        out.append(c - prev)
        prev = c
    out.append(total - prev)
    if min(out) <= 0:  # tiny totals: fall back to an even split
        base = total // parts
        out = [base] * (parts - 1) + [total - base * (parts - 1)]
    return out


def _weights(total: int, n: int, rng: random.Random) -> list[float]:
    """Integer weights (≥ 2, mostly multiples of 5 or 2) for ``n`` items summing to ``total``."""
    if n == 1:
        return [float(total)]
    for _ in range(50):
        step = rng.choice((5, 2, 1)) if total % 5 == 0 else rng.choice((2, 1))
        units = total // step
        if units < n or total % step:
            continue
        ws = _split_int(units, n, rng)
        ws = [w * step for w in ws]
        if min(ws) >= 2 and sum(ws) == total:
            return [float(w) for w in ws]
    base = total // n
    return [float(base)] * (n - 1) + [float(total - base * (n - 1))]


# --------------------------------------------------------------------------- one department-year


@dataclass
class _Item:
    level1: str
    level2: str
    name: str
    kind: str
    target: str
    actual: str
    weight: float | None
    score: float | None  # reported
    rescore: float | None  # what a correct re-scoring gives
    direction: str = ""
    reason: str = ""
    # for shortfall engineering (quantitative ≥ items)
    t_value: float | None = None
    unit: str = ""  # '%', count unit, '万元' …

    @property
    def category(self) -> str:
        return self.level1


@dataclass
class _DeptYear:
    dept_id: str
    year: int
    unit: str
    finance: list[dict[str, Any]]
    staffing: dict[str, Any]
    items: list[_Item]
    goals: list[list[str]]
    eval: dict[str, Any]
    exec_re: float
    truth: list[tuple[str, str]] = field(default_factory=list)  # (code, key)
    injected: str = ""


def _finance(rng: random.Random, size: float, year_growth: float, yuan_unit: bool) -> tuple[list[dict[str, Any]], float]:
    """Finance lines of one department-year (all parts add up); returns rows and the execution rate."""
    scale = size * year_growth
    personnel_adj = int(scale * rng.uniform(0.45, 0.65) * 1e4) * 100
    public_adj = int(scale * rng.uniform(0.08, 0.16) * 1e4) * 100
    n_proj = rng.randint(1, 4)
    projects = rng.sample(_PROJECTS, n_proj)
    proj_adj = [int(scale * rng.uniform(0.05, 0.3) * 1e4) * 100 + 100 for _ in projects]
    exec_level = rng.uniform(0.86, 0.995)

    def leaf(adj: int) -> dict[str, int]:
        ini = int(adj * rng.uniform(0.85, 1.02) / 100) * 100
        act = int(adj * min(1.0, exec_level * rng.uniform(0.97, 1.03)) / 100) * 100
        return {"initial_budget": ini, "adjusted_budget": adj, "actual": min(act, adj)}

    lines: dict[str, dict[str, int]] = {}
    parents: dict[str, str | None] = {}
    detail_personnel = rng.random() < 0.3
    if detail_personnel:
        kids = {"工资福利支出": int(personnel_adj * 0.8) // 100 * 100}
        kids["对个人和家庭的补助"] = personnel_adj - kids["工资福利支出"]
        for k, v in kids.items():
            lines[k] = leaf(v)
            parents[k] = "人员经费"
        lines["人员经费"] = {c: sum(lines[k][c] for k in kids) for c in ("initial_budget", "adjusted_budget", "actual")}
    else:
        lines["人员经费"] = leaf(personnel_adj)
    lines["公用经费"] = leaf(public_adj)
    for p, a in zip(projects, proj_adj):
        lines[p] = leaf(a)
        parents[p] = "项目支出"
    cols = ("initial_budget", "adjusted_budget", "actual")
    lines["基本支出"] = {c: lines["人员经费"][c] + lines["公用经费"][c] for c in cols}
    lines["项目支出"] = {c: sum(lines[p][c] for p in projects) for c in cols}
    total = {c: lines["基本支出"][c] + lines["项目支出"][c] for c in cols}
    # sources: 一般公共预算 takes the rest
    sources = ["一般公共预算"]
    if rng.random() < 0.3:
        sources.append("政府性基金")
    if rng.random() < 0.4:
        sources.append("纳入管理的非税收入")
    if rng.random() < 0.3:
        sources.append("上年结转")
    src_vals: dict[str, dict[str, int]] = {s: {} for s in sources}
    for c in cols:
        rest = total[c]
        for s in sources[1:]:
            v = int(total[c] * rng.uniform(0.02, 0.12) / 100) * 100
            src_vals[s][c] = v
            rest -= v
        src_vals["一般公共预算"][c] = rest
    # 三公经费 (memo) and its children
    sangong_kids = ["公务用车运行维护", "公务接待"]
    if rng.random() < 0.2:
        sangong_kids.insert(0, "公务用车购置")
    if rng.random() < 0.15:
        sangong_kids.append("因公出国(境)")
    sg = {}
    for k in sangong_kids:
        adj = int(public_adj * rng.uniform(0.03, 0.12) / 100) * 100 + 100
        sg[k] = leaf(adj)
    sg_total = {c: sum(v[c] for v in sg.values()) for c in cols}
    carry = total["adjusted_budget"] - total["actual"]
    procurement = int(scale * rng.uniform(0.02, 0.1) * 1e4) * 100

    rows: list[dict[str, Any]] = []
    factor = 1 if yuan_unit else None

    def fmt(v: int | None) -> str:
        if v is None:
            return ""
        return str(v) if factor else _wan(v)

    def add(item: str, vals: dict[str, int | None], parent: str = "") -> None:
        rows.append({"item": item, "parent": parent, **{c: fmt(vals.get(c)) for c in cols},
                     "unit": "元" if yuan_unit else ("万元" if rng.random() < 0.3 else "")})

    add("年度资金总额", total)
    for s in sources:
        add(s, src_vals[s])
    add("基本支出", lines["基本支出"])
    blank_personnel = detail_personnel and rng.random() < 0.35
    add("人员经费", {**lines["人员经费"], "actual": None} if blank_personnel else lines["人员经费"])
    if detail_personnel:
        for k in ("工资福利支出", "对个人和家庭的补助"):
            add(k, lines[k], "人员经费")
    add("公用经费", lines["公用经费"])
    add("项目支出", lines["项目支出"])
    for p in projects:
        add(p, lines[p], "项目支出")
    add("三公经费", sg_total)
    for k in sangong_kids:
        add(k, sg[k], "三公经费")
    add("政府采购", {"actual": procurement})
    add("年末结转结余", {"actual": carry})
    rate = total["actual"] / total["adjusted_budget"]
    return rows, rate


def _pick_items(rng: random.Random) -> list[tuple[str, str, str, str]]:
    out = rng.sample(_OUTPUT, rng.randint(4, 7))
    eff = rng.sample(_EFFECT, rng.randint(2, 4))
    if not any(t[3] == "qual" for t in eff):  # at least one qualitative benefit, as real forms have
        eff[0] = next(t for t in _EFFECT if t[3] == "qual" and t not in eff)
    sat = rng.sample(_SATISFY, rng.randint(1, 2))
    return [*out, *eff, *sat]


def _make_item(rng: random.Random, tpl: tuple[str, str, str, str], weight: float) -> _Item:
    level1, level2, name, kind = tpl
    w = weight
    if kind in ("pct_ge", "sat"):
        t = float(rng.choice((80, 85, 90, 95, 98) if kind == "pct_ge" else (85, 90, 95)))
        op_text = _pct_text(rng, "≥", t)
        unitless = "%" not in op_text and "％" not in op_text
        a = round(rng.uniform(t, min(100.0, t * 1.2)), 1)
        return _Item(level1, level2, name, kind, op_text, _achieved_pct(rng, a, unitless), w, w, w,
                     direction=rng.choice(("", "", "≥", "正向")), t_value=t, unit="" if unitless else "%")
    if kind == "pct_100":
        target = rng.choice(("100%", "100%", "100.00%"))
        actual = rng.choice(("100%", "100%", "1", "100.00%"))
        return _Item(level1, level2, name, kind, target, actual, w, w, w, t_value=100.0, unit="%")
    if kind == "pct_le":
        t = float(rng.choice((1, 2, 3, 5, 10)))
        a = round(rng.uniform(0, t * 0.9), 1)
        return _Item(level1, level2, name, kind, _pct_text(rng, "≤", t), f"{a:g}%", w, w, w,
                     direction=rng.choice(("", "≤", "反向")), t_value=t, unit="%")
    if kind == "count":
        u = rng.choice(_UNITS)
        t = float(rng.choice((5, 10, 12, 20, 30, 50, 100, 200)))
        a = float(rng.randint(int(t), int(t * 1.2)))
        target = rng.choice((f"≥{t:g}{u}", f"{t:g}{u}", f"不少于{t:g}{u}", f"≥{t:g}{u}"))
        return _Item(level1, level2, name, kind, target, f"{a:g}{u}", w, w, w, t_value=t, unit=u)
    if kind == "cost_le":
        t = float(rng.choice((20, 30, 50, 80, 120)))
        a = round(rng.uniform(t * 0.7, t * 0.99), 2)
        target = rng.choice((f"≤{t:g}万元", f"≤ {t:g} 万元", f"≤{t:g}\u3000万元", f"不超过{t:g}万元"))
        return _Item(level1, level2, name, kind, target, f"{a:g}万元", w, w, w, t_value=t, unit="万元")
    if kind == "budget":
        return _Item(level1, level2, name, kind, "不突破预算", rng.choice(("未突破预算", "控制在预算内")), w, w, w)
    if kind == "deadline":
        m = rng.randint(3, 11)
        target = rng.choice((f"{m}月前", f"{m}月底前"))
        done = m - 1 if target == f"{m}月前" else m  # "9月前" is before September begins: done in August
        return _Item(level1, level2, name, kind, target, f"{done}月", w, w, w, t_value=float(m), unit="月")
    if kind == "qual_time":
        return _Item(level1, level2, name, kind, "按时完成", "按时完成", w, w, w, direction=rng.choice(("", "定性")))
    # qualitative
    target = rng.choice(_QUAL_TEXT)
    actual = target if rng.random() < 0.7 else "达成年度指标"
    return _Item(level1, level2, name, kind, target, actual, w, w, w, direction=rng.choice(("", "", "定性")))


def _shortfall(rng: random.Random, it: _Item, ratio: float, *, reason: bool = True) -> None:
    """Turn a met ≥ item into a clean shortfall at about ``ratio`` of its target (reported = re-scored)."""
    t = it.t_value or 0.0
    if it.unit == "%" or it.unit == "":
        a = round(t * ratio, 1)
        it.actual = f"{a:g}%" if it.unit == "%" else f"{a:g}"
    else:  # counts: whole numbers
        a = float(max(0, int(t * ratio)))
        it.actual = f"{a:g}{it.unit}"
    sc = round(max(a / t, 0.0) * (it.weight or 0.0), 2)
    it.score = it.rescore = sc
    if reason:
        it.reason = rng.choice(_REASONS)


def _ledger(dy: _DeptYear, fw: Any) -> dict[str, Any]:
    """Totals, weights and grades as the reviewer would compute them from the items."""
    cats: dict[str, list[_Item]] = {}
    for it in dy.items:
        cats.setdefault(it.level1, []).append(it)
    re_total = dy.exec_re
    for c, items in cats.items():
        s = sum(i.rescore or 0.0 for i in items)
        d = _CATEGORY_WEIGHTS.get(c)
        re_total += min(s, d) if d is not None else s
    rep_items = [i.score for i in dy.items if i.score is not None]
    ev = dy.eval
    return {"cats": cats, "re_total": round(re_total, 2),
            "items_rep": sum(rep_items), "rep_total": ev["total_score"]}


def _near_boundary(x: float | None, margin: float = 0.5) -> bool:
    return x is not None and any(abs(x - b) < margin for b in _BOUNDARIES)


def _consequences(dy: _DeptYear, fw: Any) -> list[tuple[str, str]]:
    """The aggregate findings the items and the evaluation row imply (the oracle of truth.csv)."""
    led = _ledger(dy, fw)
    out: list[tuple[str, str]] = []
    tol = 0.05
    for c, items in led["cats"].items():
        d = _CATEGORY_WEIGHTS.get(c)
        if d is None:
            out.append(("unknown_category", f"一级指标「{c}」"))
            continue
        known = [i.weight for i in items if i.weight is not None]
        missing = len(items) - len(known)
        if known:
            ws = sum(known)
            if (missing == 0 and abs(ws - d) > tol) or (missing > 0 and ws > d + tol):
                out.append(("category_weight_mismatch", f"一级指标「{c}」分值合计"))
        reps = [i.score for i in items if i.score is not None]
        if reps and sum(reps) > d + tol:
            out.append(("category_score_exceeds_weight", f"一级指标「{c}」得分合计"))
    ev = dy.eval
    total_rep = ev["total_score"]
    if total_rep is not None:
        s = led["items_rep"] + (ev["execution_score"] or 0.0)
        if abs(s - total_rep) > tol:
            out.append(("total_score_mismatch", "自评结果 得分"))
    known = [i.weight for i in dy.items if i.weight is not None]
    if known:
        target = ev["total_weight"] if ev["total_weight"] is not None else 100.0
        ws = sum(known) + _EXEC_WEIGHT
        missing = len(dy.items) - len(known)
        if (missing == 0 and abs(ws - target) > tol) or (missing > 0 and ws > target + tol):
            out.append(("weight_total_mismatch", "自评结果 总分"))
    grade = ev["grade"]
    norm = fw.normalise_grade(grade)
    if norm is None:
        out.append(("grade_mismatch", "自评结果 综合评定等级"))
    else:
        expected = fw.grade_for(total_rep)
        if expected is not None and expected != norm:
            out.append(("grade_mismatch", "自评结果 综合评定等级"))
        # a re-scored total with unscored items (a weight, no re-scored value) gets no grade
        unscored = any(i.rescore is None and i.weight is not None for i in dy.items)
        if not unscored and fw.grade_for(led["re_total"]) != norm:
            out.append(("grade_differs_after_rescore", "自评结果 综合评定等级"))
    return out


def _clean_dept_year(rng: random.Random, dept_id: str, year: int, size: float, growth: float,
                     quota: int, fw: Any) -> _DeptYear:
    yuan = rng.random() < 0.1
    fin_rows, rate = _finance(rng, size, growth, yuan)
    staff_actual = rng.randint(max(1, int(quota * 0.7)), quota)
    staffing = {"quota": str(quota), "actual": str(staff_actual),
                "retired": str(rng.randint(0, max(1, quota // 3))) if rng.random() < 0.8 else ""}
    tpls = _pick_items(rng)
    items: list[_Item] = []
    for cat, total in _CATEGORY_WEIGHTS.items():
        group = [t for t in tpls if t[0] == cat]
        for tpl, w in zip(group, _weights(int(total), len(group), rng)):
            items.append(_make_item(rng, tpl, w))
    # some honest shortfalls, with their reasons and scores as the rules give
    for it in items:
        if it.kind in ("pct_ge", "count", "sat") and it.weight and rng.random() < 0.12:
            _shortfall(rng, it, rng.uniform(0.75, 0.97))
    exec_score = round(min(_EXEC_WEIGHT, rate * _EXEC_WEIGHT), 2)
    goals = [[g, r] for g, r in rng.sample(_GOALS, rng.randint(2, 4))]
    total = round(sum(i.score or 0.0 for i in items) + exec_score, 2)
    grade = fw.grade_for(total)
    grade_text = {"优": rng.choice(("优", "优", "优秀")), "良": rng.choice(("良", "良好"))}.get(grade, grade)
    rate_text = rng.choice((f"{rate * 100:.2f}%", f"{rate * 100:.2f}%", f"{rate:.4f}"))
    ev = {"framework": "", "total_weight": 100.0, "total_score": total, "grade": grade_text,
          "execution_rate": rate_text, "execution_weight": _EXEC_WEIGHT, "execution_score": exec_score}
    return _DeptYear(dept_id, year, "元" if yuan else "万元", fin_rows, staffing, items, goals, ev, exec_score)


# --------------------------------------------------------------------------- injections


def _seq(dy: _DeptYear, it: _Item) -> str:
    return f"第{dy.items.index(it) + 1}项"


def _pick(rng: random.Random, dy: _DeptYear, kinds: Iterable[str], *, met: bool = True,
          min_weight: float = 0.0, cat: str | None = None) -> _Item | None:
    kinds = set(kinds)
    cands = [i for i in dy.items if i.kind in kinds and (not met or i.score == i.weight)
             and (i.weight or 0) >= min_weight and (cat is None or i.level1 == cat) and not i.reason]
    return rng.choice(cands) if cands else None


_GE = ("pct_ge", "count", "sat")


def _inject(rng: random.Random, dy: _DeptYear, code: str) -> bool:
    """Plant ``code`` in ``dy``; record the direct findings in ``dy.truth``. False if impossible."""
    ev = dy.eval
    T = dy.truth
    if code == "total_score_mismatch":
        ev["total_score"] = round(ev["total_score"] + rng.choice((1.0, -1.5, 2.0)), 2)
    elif code == "category_weight_mismatch":
        down = _pick(rng, dy, ("qual", "qual_time"), met=True, min_weight=3, cat="产出") or \
            _pick(rng, dy, ("pct_100", "budget", "deadline", "pct_le", "cost_le"), met=True, min_weight=3, cat="产出")
        up = _pick(rng, dy, ("qual",), met=True, min_weight=5, cat="效益")
        if down is None or up is None:
            return False
        down.weight = down.weight - 1  # type: ignore[operator]
        down.score = down.rescore = down.weight
        up.weight = up.weight + 1  # type: ignore[operator]
        ev["total_score"] = round(ev["total_score"] - 1, 2)
    elif code == "weight_total_mismatch":
        ev["total_weight"] = rng.choice((90.0, 110.0, 120.0))
    elif code == "execution_rate_mismatch":
        raw = ev["execution_rate"]
        rate = float(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
        stated = min(1.0, rate + rng.uniform(0.03, 0.08)) if rate < 0.95 else rate - rng.uniform(0.03, 0.08)
        ev["execution_rate"] = rng.choice((f"{stated * 100:.2f}%", f"{stated * 100:.0f}%"))
        if abs(stated - rate) * 100 < 2:
            return False
        T.append((code, "自评结果 执行率"))
        return True
    elif code == "execution_score_mismatch":
        ev["execution_score"] = round(ev["execution_score"] - 1, 2)
        ev["total_score"] = round(ev["total_score"] - 1, 2)
        T.append((code, "自评结果 执行率得分"))
        return True
    elif code == "indicator_score_mismatch":
        it = _pick(rng, dy, ("pct_ge", "sat"), met=True, min_weight=4)
        if it is None:
            return False
        _shortfall(rng, it, rng.uniform(0.8, 0.9))
        old = it.score or 0.0
        it.score = round(old - rng.choice((0.5, 1.0)), 2)
        ev["total_score"] = round(ev["total_score"] - (it.weight or 0) + it.score, 2)
        T.append((code, _seq(dy, it)))
    elif code == "deduction_without_shortfall":
        it = _pick(rng, dy, ("pct_100", "count", "pct_ge", "cost_le", "pct_le"), min_weight=3)
        if it is None:
            return False
        it.score = (it.weight or 0) - 1
        ev["total_score"] = round(ev["total_score"] - 1, 2)
        T.extend([(code, _seq(dy, it)), ("indicator_score_mismatch", _seq(dy, it))])
    elif code == "full_score_despite_shortfall":
        it = _pick(rng, dy, ("pct_ge", "sat", "count"), min_weight=3)
        if it is None:
            return False
        _shortfall(rng, it, rng.uniform(0.85, 0.93))
        it.score = it.weight
        T.extend([(code, _seq(dy, it)), ("indicator_score_mismatch", _seq(dy, it))])
    elif code == "missing_weight":
        it = _pick(rng, dy, ("pct_100", "count", "pct_ge", "qual", "budget"), min_weight=2)
        if it is None:
            return False
        it.weight = None
        it.rescore = None
        T.append((code, _seq(dy, it)))
    elif code == "missing_score":
        if rng.random() < 0.5:
            ev["total_score"] = None
            T.append((code, "自评结果 得分"))
        else:
            it = _pick(rng, dy, ("pct_100", "count", "pct_ge", "cost_le"), min_weight=2)
            if it is None:
                return False
            it.score = None  # the total still counts it: the sum now disagrees too
            T.append((code, _seq(dy, it)))
    elif code == "grade_mismatch":
        cur = _fw().normalise_grade(ev["grade"])
        ev["grade"] = rng.choice([g for g in ("优", "良", "中", "差") if g != cur])
    elif code == "grade_differs_after_rescore":
        # a full score reported for a percentage item that fell short: re-scoring takes off enough to drop the
        # total below the grade boundary under the reported total (a total with unscored items gets no grade,
        # so the item must stay scorable)
        it = _pick(rng, dy, ("pct_ge", "sat"), min_weight=5)
        if it is None:
            return False
        room = 0.4 * (it.weight or 0.0)  # the most the re-scoring may take off (achieved ≥ 60% of target)

        def gap() -> float | None:
            total = ev["total_score"]
            lower = max((b for b in _BOUNDARIES if b <= total), default=None)
            return None if lower is None else total - lower

        # bring the reported total within reach of the boundary below it with honest shortfalls
        others = [i for i in dy.items if i is not it and i.kind in _GE and i.score == i.weight and i.weight]
        rng.shuffle(others)
        for o in others:
            g = gap()
            if g is None or g + 0.8 <= room:
                break
            before = o.score or 0.0
            _shortfall(rng, o, rng.uniform(0.6, 0.85))
            ev["total_score"] = round(ev["total_score"] - before + (o.score or 0.0), 2)
        g = gap()
        if g is None or g < 0.5 or g + 0.8 > room:
            return False
        _shortfall(rng, it, 1.0 - (g + rng.uniform(0.6, 0.8)) / (it.weight or 1.0))
        it.score = it.weight  # reported in full: the reported total and its grade stay as they were
        ev["grade"] = _fw().grade_for(ev["total_score"])
        T.extend([("full_score_despite_shortfall", _seq(dy, it)), ("indicator_score_mismatch", _seq(dy, it))])
    elif code == "sum_mismatch":
        kids = [r for r in dy.finance if r["parent"] in ("三公经费", "项目支出") and r["actual"]]
        if not kids:
            return False
        r = rng.choice(kids)
        delta = rng.choice((12345, 5000, 80000)) if dy.unit == "元" else rng.choice((1.2345, 0.5, 8.0))
        old = float(r["actual"])
        r["actual"] = str(int(old + delta)) if dy.unit == "元" else _wan(int(round((old + delta) * 10000)))
        T.append((code, f"资金 {r['parent']} 全年执行数"))  # the parent no longer equals its parts
        return True
    elif code == "funds_unbalanced":
        r = next(r for r in dy.finance if r["item"] == "年末结转结余")
        old = float(r["actual"])
        delta = 20000 if dy.unit == "元" else 2.0
        r["actual"] = str(int(old + delta)) if dy.unit == "元" else _wan(int(round((old + delta) * 10000)))
        T.append((code, "资金 年度资金总额 全年预算数"))
        return True
    elif code == "vague_actual":
        it = _pick(rng, dy, ("pct_ge", "sat"))
        if it is None or not it.t_value or it.unit != "%":
            return False
        it.actual = f"≥{it.t_value + 1:g}%"
        T.append((code, _seq(dy, it)))
    elif code == "duplicate_indicator":
        named = [i for i in dy.items if i.kind not in ("budget",)]
        if len(named) < 2:
            return False
        a, b = rng.sample(named, 2)
        first, second = sorted((a, b), key=dy.items.index)
        second.name = first.name
        T.append((code, _seq(dy, second)))
    elif code == "missing_reason":
        it = _pick(rng, dy, _GE, min_weight=2)
        if it is None:
            return False
        _shortfall(rng, it, rng.uniform(0.75, 0.95), reason=False)
        ev["total_score"] = round(ev["total_score"] - (it.weight or 0) + (it.score or 0), 2)
        T.append((code, _seq(dy, it)))
    elif code == "qualitative_score_out_of_band":
        it = _pick(rng, dy, ("qual",), min_weight=5)
        if it is None:
            return False
        it.actual = "部分达成年度指标并具有一定效果"
        it.reason = rng.choice(_REASONS)
        it.rescore = round((it.weight or 0) * 0.8, 2)  # clamped to the band's upper end
        T.append((code, _seq(dy, it)))
    elif code == "staff_over_quota":
        dy.staffing["actual"] = str(int(dy.staffing["quota"]) + rng.randint(1, 4))
        T.append((code, "人员 实际在职人数"))
        return True
    elif code == "score_exceeds_weight":
        it = _pick(rng, dy, ("pct_100", "count", "pct_ge", "cost_le", "pct_le"), min_weight=3)
        if it is None:
            return False
        it.score = (it.weight or 0) + 1
        ev["total_score"] = round(ev["total_score"] + 1, 2)
        T.extend([(code, _seq(dy, it)), ("indicator_score_mismatch", _seq(dy, it))])
    elif code == "category_score_exceeds_weight":
        it = _pick(rng, dy, ("qual",), min_weight=3, cat="效益")
        if it is None:
            return False
        it.score = (it.weight or 0) + 2  # out of its band too, and over its weight
        it.rescore = it.weight
        ev["total_score"] = round(ev["total_score"] + 2, 2)
        T.extend([("score_exceeds_weight", _seq(dy, it)), ("qualitative_score_out_of_band", _seq(dy, it))])
    elif code == "unknown_category":
        it = _pick(rng, dy, ("qual", "pct_100", "count"), cat="产出")
        if it is None:
            return False
        it.level1 = rng.choice(("过程", "管理", "决策"))
    elif code == "target_conflicts_name":
        it = _pick(rng, dy, ("pct_ge", "sat"))
        if it is None or not it.t_value or it.unit != "%":
            return False
        named = it.t_value - 5
        it.name = f"{it.name}≥{named:g}%"
        T.append((code, _seq(dy, it)))
    elif code == "goal_without_result":
        k = rng.randrange(len(dy.goals))
        dy.goals[k][1] = ""
        T.append((code, f"年度总体目标 第{k + 1}条"))
        return True
    elif code == "unscorable_indicator":
        it = _pick(rng, dy, ("count",), min_weight=2)
        if it is None:
            return False
        other = next(u for u in _UNITS if u != it.unit)
        it.actual = it.actual.replace(it.unit, other) if it.unit else it.actual + other
        it.rescore = None
        T.append((code, _seq(dy, it)))
    else:
        raise ValueError(f"unknown finding code {code!r}")
    return True


_FW: Any = None


def _fw() -> Any:
    global _FW
    if _FW is None:
        from ._scoring import load_framework

        _FW = load_framework("national_2020")
    return _FW


# --------------------------------------------------------------------------- the province


def synth(
    folder: str | os.PathLike[str] | None = None,
    *,
    counties: int = 3,
    departments: int = 10,
    years: Iterable[int] = (2021, 2022, 2023),
    seed: int = 0,
    contradiction_rate: float = 0.2,
    dept_years: int | None = None,
    formats: Iterable[str] = ("csv",),
) -> SynthResult:
    """Generate a synthetic province with planted contradictions and their ground truth.

    Parameters
    ----------
    folder
        Where to write the dataset (``departments.csv`` … and ``truth.csv``); ``None``
        writes nothing. With ``"parquet"`` in ``formats`` the Parquet files go to the
        same folder (``*.parquet``) unless ``"csv"`` is also asked for, then to
        ``folder/parquet``.
    counties, departments, years
        The grid: ``counties × departments`` units (up to 30 department kinds per
        county), each reporting every year.
    seed
        Same seed, same province (byte for byte).
    contradiction_rate
        Share of department-years given one planted contradiction (0–1). The
        planted codes cycle through every finding code.
    dept_years
        Instead of ``counties``/``departments``: about this many department-years
        (the grid is chosen to reach at least this many).
    formats
        ``"csv"`` and/or ``"parquet"``.

    Returns
    -------
    SynthResult
        ``frames`` (input-contract tables as text), ``truth`` (``code, dept_id, year,
        key, injected``), the folders written, and how many of each code were planted.

    Examples
    --------
    >>> r = synth(counties=1, departments=3, years=(2022,), seed=1, contradiction_rate=0.0)
    >>> r.dept_years, len(r.truth)
    (3, 0)
    """
    years = [int(y) for y in years]
    if not years:
        raise ValueError("years 不能为空")
    if not 0.0 <= contradiction_rate <= 1.0:
        raise ValueError(f"contradiction_rate 应在 0 到 1 之间，实为 {contradiction_rate}")
    if dept_years is not None:
        per_county = len(_DEPARTMENTS)
        units = -(-int(dept_years) // len(years))
        departments = min(per_county, units)
        counties = -(-units // departments)
    from ._checks import CATALOGUE

    codes = list(CATALOGUE)
    fw = _fw()
    units_list: list[tuple[str, str, str, str, int, float]] = []
    for c in range(counties):
        county = _COUNTY_NAMES[c % len(_COUNTY_NAMES)] + (f"{c // len(_COUNTY_NAMES) + 1}" if c >= len(_COUNTY_NAMES) else "")
        for d in range(departments):
            key, short, full, quota = _DEPARTMENTS[d % len(_DEPARTMENTS)]
            suffix = f"{d // len(_DEPARTMENTS) + 1}" if d >= len(_DEPARTMENTS) else ""
            dept_id = f"c{c + 1:03d}-{key}{suffix}"
            units_list.append((dept_id, short + suffix, county, county.rstrip("0123456789") + full + suffix, quota, 0.0))
    if dept_years is not None:
        units_list = units_list[: -(-int(dept_years) // len(years))]
    keys = [(u[0], y) for u in units_list for y in years]
    if dept_years is not None:
        keys = keys[: int(dept_years)] if len(keys) > int(dept_years) else keys
    # which dept-years get which contradiction: a seeded shuffle, codes round-robin
    order = list(range(len(keys)))
    random.Random(f"{seed}:plan").shuffle(order)
    n_inject = int(round(contradiction_rate * len(keys)))
    if contradiction_rate > 0 and len(keys) >= len(codes):
        n_inject = max(n_inject, len(codes))
    plan = {order[k]: codes[k % len(codes)] for k in range(min(n_inject, len(keys)))}

    unit_info = {u[0]: u for u in units_list}
    dept_rows = []
    for dept_id, short, county, full, quota, _ in units_list:
        dept_rows.append({"dept_id": dept_id, "name": short, "region": county, "full_name": full,
                          "note": "合成数据（perfeval.synth）"})
    fin_rows: list[dict[str, Any]] = []
    staff_rows: list[dict[str, Any]] = []
    ind_rows: list[dict[str, Any]] = []
    goal_rows: list[dict[str, Any]] = []
    ev_rows: list[dict[str, Any]] = []
    truth_rows: list[dict[str, Any]] = []
    injected: dict[str, int] = {}
    first_year = min(years)
    for k, (dept_id, year) in enumerate(keys):
        info = unit_info[dept_id]
        base = random.Random(f"{seed}:{dept_id}")
        size = base.uniform(0.4, 3.0) * info[4] * 15  # 万元
        growth = (1 + base.uniform(-0.02, 0.08)) ** (year - first_year)
        code = plan.get(k)
        dy = None
        for attempt in range(20):
            rng = random.Random(f"{seed}:{dept_id}:{year}:{attempt}")
            cand = _clean_dept_year(rng, dept_id, year, size, growth, info[4], fw)
            led = _ledger(cand, fw)
            if _near_boundary(cand.eval["total_score"], 1.5) or _near_boundary(led["re_total"], 1.5):
                continue
            if code is not None:
                if not _inject(rng, cand, code):
                    continue
                cand.injected = code
                led = _ledger(cand, fw)
                if _near_boundary(cand.eval["total_score"], 0.3) or _near_boundary(led["re_total"], 0.3):
                    continue
            dy = cand
            break
        if dy is None:  # no clean variant away from the grade boundaries: keep the last one, uninjected
            rng = random.Random(f"{seed}:{dept_id}:{year}:fallback")
            dy = _clean_dept_year(rng, dept_id, year, size, growth, info[4], fw)
            code = None
        found = list(dy.truth)
        for c, key in _consequences(dy, fw):
            if (c, key) not in found:
                found.append((c, key))
        if code is not None:
            injected[code] = injected.get(code, 0) + 1
        for c, key in found:
            truth_rows.append({"code": c, "dept_id": dept_id, "year": year, "key": key, "injected": code or ""})
        for r in dy.finance:
            fin_rows.append({"dept_id": dept_id, "year": str(year), **r})
        staff_rows.append({"dept_id": dept_id, "year": str(year), **dy.staffing})
        for it in dy.items:
            ind_rows.append({
                "dept_id": dept_id, "year": str(year), "level1": it.level1, "level2": it.level2, "name": it.name,
                "target": it.target, "actual": it.actual, "weight": _num(it.weight), "score": _num(it.score),
                "direction": it.direction, "reason": it.reason,
            })
        for g, r in dy.goals:
            goal_rows.append({"dept_id": dept_id, "year": str(year), "goal": g, "result": r})
        ev = dy.eval
        ev_rows.append({
            "dept_id": dept_id, "year": str(year), "framework": ev["framework"],
            "total_weight": _num(ev["total_weight"]), "total_score": _num(ev["total_score"]),
            "grade": ev["grade"] or "", "execution_rate": ev["execution_rate"],
            "execution_weight": _num(ev["execution_weight"]), "execution_score": _num(ev["execution_score"]),
        })
    from ._schema import TABLES

    def frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
        cols = TABLES[name].names
        return pd.DataFrame(rows, columns=cols).astype(object).fillna("").astype(str)

    frames = {
        "departments": frame("departments", dept_rows), "finance": frame("finance", fin_rows),
        "staffing": frame("staffing", staff_rows), "indicators": frame("indicators", ind_rows),
        "goals": frame("goals", goal_rows), "evaluations": frame("evaluations", ev_rows),
    }
    truth = pd.DataFrame(truth_rows, columns=TRUTH_COLUMNS).astype({"year": "int64"})
    result = SynthResult(frames, truth, injected=dict(sorted(injected.items())))
    if folder is not None:
        from ._dataset import save_dataset
        from ._export import write_text_atomic

        out = Path(folder)
        formats = tuple(formats)
        if "csv" in formats:
            save_dataset(frames, out)
            result.folder = out
        if "parquet" in formats:
            pq = out / "parquet" if "csv" in formats else out
            save_dataset(frames, pq, format="parquet")
            result.parquet_folder = pq
            if "csv" not in formats:
                result.folder = out
        write_text_atomic(out / TRUTH_FILE, truth.to_csv(index=False, lineterminator="\n"))
    return result


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:g}" if abs(x) < 1e15 else str(x)


def score_audit(findings: pd.DataFrame, truth: pd.DataFrame) -> dict[str, Any]:
    """Recall and precision of ``findings`` (from :func:`perfeval.check`) against ``truth``.

    A finding matches a truth row with the same ``code``, ``dept_id`` and ``year``
    whose ``key`` occurs in the finding's ``location``; each truth row matches once.

    Returns
    -------
    dict
        ``recall``, ``precision``, ``true_positives``, ``missed`` (truth rows not
        found, a frame) and ``unexpected`` (findings not in the truth, a frame).
    """
    f = findings.reset_index(drop=True)
    t = truth.reset_index(drop=True)
    pool: dict[tuple[str, str, int], list[int]] = {}
    for i, (c, d, y) in enumerate(zip(t["code"], t["dept_id"], t["year"])):
        pool.setdefault((str(c), str(d), int(y)), []).append(i)
    matched_t: set[int] = set()
    matched_f: list[bool] = []
    for c, d, y, loc in zip(f["code"], f["dept_id"], f["year"], f["location"]):
        ok = False
        if not pd.isna(y):
            for i in pool.get((str(c), str(d), int(y)), []):
                if i not in matched_t and str(t.at[i, "key"]) in str(loc):
                    matched_t.add(i)
                    ok = True
                    break
        matched_f.append(ok)
    tp = len(matched_t)
    recall = tp / len(t) if len(t) else 1.0
    precision = sum(matched_f) / len(f) if len(f) else 1.0
    missed = t[~t.index.isin(list(matched_t))]
    unexpected = f[[not m for m in matched_f]]
    return {"recall": recall, "precision": precision, "true_positives": tp,
            "missed": missed.reset_index(drop=True), "unexpected": unexpected.reset_index(drop=True)}
