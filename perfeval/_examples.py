"""Seeded generator of example (示例) departments.

The embedded default dataset holds one real department (衡阳县网信办, FY2021). To
make comparisons across departments and trends across years meaningful, perfeval
adds a handful of *example* departments produced by :func:`generate_examples`.
They are labelled everywhere: ``dept_id`` starts with ``demo-``, ``name`` starts
with ``示例·`` and ``note`` says they are generated, not real.

The generator is deterministic for a seed: every department draws from its own
``random.Random`` seeded with ``f"{seed}:{dept_id}"``, so adding departments or
years never changes the numbers of the others. It writes the *input* contract of
``docs/data-model.md`` (English headers, money in 万元), so the frames can be
written to CSV and loaded by :func:`perfeval.load` like any analyst's dataset.

The finance is plausible and adds up (sources = total, 基本 + 项目 = total,
人员 + 公用 = 基本, projects = 项目支出, 三公经费 = its children, carry-over =
budget − actual, 上年结转 = last year's carry-over). A few realistic inconsistencies
are planted on purpose so the audit findings have something to report:

* ``demo-czj`` (third year): the total's actual is off by 0.0001 万元 (rounding slip);
* ``demo-fl`` (second year): an indicator met its target but lost a point, no reason;
* ``demo-xcb`` (first year): the reported total score is one point above the sum;
* ``demo-nync`` (last year): the reported execution rate is written as 100%;
* ``demo-wjw`` (fourth year): more staff in post than the quota (over-quota year);
* ``demo-wjw`` (second year): a shortfall with no 偏差原因.

``scripts/make_examples.py`` appends the output for the default arguments to
``data/default/*.csv``.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ._dataset import STR

__all__ = ["generate_examples", "EXAMPLE_PREFIX", "EXAMPLE_NOTE", "format_csv_rows"]

EXAMPLE_PREFIX = "示例·"
"""Every generated department's ``name`` starts with this label."""

EXAMPLE_NOTE = "示例数据：由 perfeval.generate_examples(seed={seed}) 生成，非真实部门"
"""Template of the ``note`` written for every generated department."""

#: Column order of each table in the input contract (docs/data-model.md).
COLUMNS: dict[str, list[str]] = {
    "departments": ["dept_id", "name", "region", "full_name", "note"],
    "finance": ["dept_id", "year", "item", "parent", "initial_budget",
                "adjusted_budget", "actual", "unit"],
    "staffing": ["dept_id", "year", "quota", "actual", "retired"],
    "indicators": ["dept_id", "year", "level1", "level2", "name", "target", "actual",
                   "weight", "score", "direction", "reason"],
    "goals": ["dept_id", "year", "goal", "result"],
    "evaluations": ["dept_id", "year", "framework", "total_weight", "total_score",
                    "grade", "execution_rate", "execution_weight", "execution_score"],
}

_INT_COLUMNS = {"year", "quota", "actual_staff", "retired"}
_FLOAT_COLUMNS = {"initial_budget", "adjusted_budget", "weight", "score",
                  "total_weight", "total_score", "execution_weight", "execution_score"}


# --------------------------------------------------------------------------- templates
# An indicator template: (level1, level2, name, kind, parameter).
# kinds: pct_ge (target ≥p%), pct_100 (target 100%), count_ge (≥p unit),
# cost_le (≤p 万元), budget (不突破预算), qual (达成年度指标), sat (≥p% satisfaction).
@dataclass(frozen=True)
class _Dept:
    key: str
    name: str
    full_name: str
    quota: int
    personnel_pc: float  # 万元 per person in post, first year
    public_pc: float
    projects: tuple[tuple[str, float], ...]  # (project name, base amount 万元)
    fund: float  # share of 政府性基金 in the total (0 = none)
    output: tuple[tuple[str, str, str, str, float | str], ...]
    effect: tuple[tuple[str, str, str, str, float | str], ...]
    goals: tuple[tuple[str, str], ...]
    quality: float = 0.9  # 0..1: higher means fewer shortfalls and a higher execution rate
    direction_column: bool = False


_SATISFACTION = (
    ("满意度", "服务对象满意度指标", "服务对象满意度", "sat", 90.0),
    ("满意度", "社会公众满意度指标", "社会公众满意度", "sat", 85.0),
)

_DEPTS: tuple[_Dept, ...] = (
    _Dept(
        "czj", "财政局", "示例县财政局", 42, 13.2, 3.1,
        (("财政信息化建设", 60.0), ("预算绩效管理第三方评价", 35.0), ("国库集中支付系统运维", 18.0)),
        0.0,
        (
            ("产出", "数量指标", "重点项目绩效评价数量", "count_ge", "12个"),
            ("产出", "质量指标", "预算绩效目标审核覆盖率", "pct_ge", 95.0),
            ("产出", "时效指标", "部门预决算按时公开率", "pct_100", ""),
            ("产出", "成本指标", "信息系统运维费用", "cost_le", 30.0),
            ("产出", "数量指标", "财政直达资金监控覆盖率", "pct_100", ""),
            ("产出", "成本指标", "基本支出", "budget", ""),
        ),
        (
            ("效益", "经济效益指标", "财政资金使用效益", "qual", "有效提升"),
            ("效益", "社会效益指标", "政府债务风险", "qual", "总体可控"),
            ("效益", "可持续影响指标", "预算管理制度化水平", "qual", "持续提升"),
            ("效益", "社会效益指标", "绩效评价结果应用率", "pct_ge", 80.0),
        ),
        (
            ("全面实施预算绩效管理，完成重点项目绩效评价", "完成重点项目绩效评价并将结果应用于下年预算安排"),
            ("推进财政信息化建设，提升预算管理一体化水平", "预算管理一体化系统上线运行"),
            ("防范化解政府债务风险", "债务风险总体可控"),
        ),
        quality=0.95,
    ),
    _Dept(
        "fl", "妇联", "示例县妇女联合会", 8, 11.8, 2.4,
        (("妇女儿童维权服务", 12.0), ("巾帼创业培训", 9.0)),
        0.0,
        (
            ("产出", "数量指标", "开展妇女技能培训场次", "count_ge", "20场"),
            ("产出", "数量指标", "妇女儿童维权案件受理率", "pct_100", ""),
            ("产出", "质量指标", "维权案件办结率", "pct_ge", 95.0),
            ("产出", "时效指标", "来访接待及时率", "pct_100", ""),
            ("产出", "成本指标", "培训项目成本", "cost_le", 9.0),
            ("产出", "成本指标", "基本支出", "budget", ""),
        ),
        (
            ("效益", "社会效益指标", "妇女儿童合法权益保障", "qual", "有效保障"),
            ("效益", "社会效益指标", "培训后就业创业人数", "count_ge", "150人"),
            ("效益", "可持续影响指标", "家庭文明建设长效机制", "qual", "逐步完善"),
        ),
        (
            ("做好妇女儿童维权工作", "受理并办结妇女儿童维权案件"),
            ("开展巾帼创业就业培训", "完成培训任务，带动妇女就业创业"),
            ("推进家庭文明建设", ""),
        ),
        quality=0.85,
    ),
    _Dept(
        "xcb", "宣传部", "中共示例县委宣传部", 15, 12.9, 2.8,
        (("新时代文明实践中心建设", 40.0), ("县融媒体中心运行补助", 55.0), ("重大主题宣传活动", 20.0)),
        0.0,
        (
            ("产出", "数量指标", "组织重大主题宣传活动次数", "count_ge", "8次"),
            ("产出", "数量指标", "新时代文明实践站覆盖率", "pct_ge", 95.0),
            ("产出", "质量指标", "新闻稿件上级媒体采用数", "count_ge", "120篇"),
            ("产出", "时效指标", "宣传任务按时完成率", "pct_100", ""),
            ("产出", "成本指标", "主题宣传活动成本", "cost_le", 20.0),
            ("产出", "成本指标", "基本支出", "budget", ""),
        ),
        (
            ("效益", "社会效益指标", "社会主义核心价值观宣传覆盖面", "qual", "明显扩大"),
            ("效益", "社会效益指标", "网络意识形态安全", "qual", "总体安全"),
            ("效益", "可持续影响指标", "文明实践长效机制", "qual", "持续发挥作用"),
            ("效益", "社会效益指标", "志愿服务参与人次", "count_ge", "5000人次"),
        ),
        (
            ("牢牢掌握意识形态工作领导权", "意识形态工作责任制全面落实"),
            ("推进新时代文明实践中心建设", "文明实践站实现全覆盖"),
            ("做好重大主题宣传", "完成年度主题宣传任务"),
        ),
        quality=0.55,
    ),
    _Dept(
        "nync", "农业农村局", "示例县农业农村局", 64, 12.4, 2.6,
        (("高标准农田建设", 420.0), ("农业技术推广服务", 48.0), ("动物疫病防控", 36.0),
         ("农村人居环境整治", 150.0)),
        0.18,
        (
            ("产出", "数量指标", "新建高标准农田面积", "count_ge", "8000亩"),
            ("产出", "数量指标", "农作物病虫害统防统治覆盖率", "pct_ge", 40.0),
            ("产出", "质量指标", "高标准农田工程验收合格率", "pct_100", ""),
            ("产出", "质量指标", "重大动物疫病免疫密度", "pct_ge", 90.0),
            ("产出", "时效指标", "项目按期完工率", "pct_ge", 95.0),
            ("产出", "成本指标", "高标准农田亩均投资", "cost_le", 0.3),
            ("产出", "成本指标", "基本支出", "budget", ""),
        ),
        (
            ("效益", "经济效益指标", "粮食播种面积", "count_ge", "52万亩"),
            ("效益", "社会效益指标", "农村人居环境", "qual", "明显改善"),
            ("效益", "生态效益指标", "化肥农药使用量", "qual", "零增长"),
            ("效益", "可持续影响指标", "农田水利设施长效管护", "qual", "机制健全"),
        ),
        (
            ("稳定粮食生产，落实耕地保护", "粮食播种面积稳定"),
            ("推进高标准农田建设", "完成年度高标准农田建设任务"),
            ("做好动物疫病防控", "全年未发生区域性重大动物疫情"),
            ("整治农村人居环境", "村庄环境明显改善"),
        ),
        quality=0.4,
        direction_column=True,
    ),
    _Dept(
        "wjw", "卫健委", "示例县卫生健康委员会", 36, 13.6, 3.0,
        (("基本公共卫生服务", 260.0), ("重大传染病防控", 80.0), ("乡村医生补助", 45.0)),
        0.0,
        (
            ("产出", "数量指标", "居民电子健康档案建档率", "pct_ge", 90.0),
            ("产出", "数量指标", "适龄儿童免疫规划疫苗接种率", "pct_ge", 95.0),
            ("产出", "质量指标", "孕产妇系统管理率", "pct_ge", 90.0),
            ("产出", "时效指标", "传染病报告及时率", "pct_100", ""),
            ("产出", "成本指标", "乡村医生人均补助", "cost_le", 1.2),
            ("产出", "成本指标", "基本支出", "budget", ""),
        ),
        (
            ("效益", "社会效益指标", "居民健康素养水平", "pct_ge", 25.0),
            ("效益", "社会效益指标", "重大传染病疫情", "qual", "有效控制"),
            ("效益", "可持续影响指标", "基层医疗卫生服务能力", "qual", "持续提升"),
        ),
        (
            ("落实基本公共卫生服务项目", "各项服务指标达到省定要求"),
            ("做好重大传染病防控", "疫情得到有效控制"),
            ("提升基层医疗服务能力", "乡村医生队伍保持稳定"),
        ),
        quality=0.8,
    ),
)

_REASONS_SHORT = (
    "受疫情影响，部分工作延后开展",
    "部分项目跨年度实施，资金尚未全部支付",
    "服务对象数量少于预期",
    "上级任务调整，部分指标未能完成",
)
_REASONS_OVER = (
    "上级追加工作任务，超额完成",
    "群众需求增加，实际完成数高于目标",
)

_PLANTED = {
    # dept key: (year index, kind)
    "czj": (2, "rounding_slip"),
    "fl": (1, "deduction_without_shortfall"),
    "xcb": (0, "total_score_off"),
    "nync": (-1, "execution_rate_text"),
    "wjw": (3, "over_quota"),
}
_PLANTED_EXTRA = {"wjw": (1, "shortfall_without_reason")}


def _r4(x: float) -> float:
    return round(x + 0.0, 4)


def _fmt_num(x: float, decimals: int = 4) -> str:
    text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --------------------------------------------------------------------------- generator
def generate_examples(
    n_departments: int = 5,
    years: Iterable[int] = range(2019, 2024),
    seed: int = 20211,
    region: str = "示例县",
) -> dict[str, pd.DataFrame]:
    """Generate example (示例) departments in the input contract.

    Parameters
    ----------
    n_departments : int, default 5
        How many example departments, 1 to 5 (财政局, 妇联, 宣传部, 农业农村局,
        卫健委, in that order).
    years : iterable of int, default ``range(2019, 2024)``
        Fiscal years, consecutive or not; generated in ascending order.
    seed : int, default 20211
        Seed; the same seed gives the same frames, byte for byte once written.
    region : str, default "示例县"
        Value of the ``region`` column.

    Returns
    -------
    dict of str to pandas.DataFrame
        Keys ``departments, finance, staffing, indicators, goals, evaluations``;
        columns as in ``docs/data-model.md`` (English headers), money in 万元
        (``Float64``), years and counts ``Int64``, text ``str``; blanks are NA.

    Raises
    ------
    ValueError
        If ``n_departments`` is out of range or ``years`` is empty.

    Examples
    --------
    >>> frames = generate_examples(n_departments=2, years=[2021, 2022])
    >>> frames["departments"]["name"].tolist()
    ['示例·财政局', '示例·妇联']
    >>> frames["departments"]["dept_id"].tolist()
    ['demo-czj', 'demo-fl']
    >>> sorted(frames["finance"]["year"].unique().tolist())
    [2021, 2022]
    """
    if not 1 <= int(n_departments) <= len(_DEPTS):
        raise ValueError(
            f"示例部门数 n_departments={n_departments!r} 超出范围：应为 1 到 {len(_DEPTS)} 之间的整数"
        )
    year_list = sorted({int(y) for y in years})
    if not year_list:
        raise ValueError("示例年度 years 为空：至少需要一个年度")

    rows: dict[str, list[dict]] = {name: [] for name in COLUMNS}
    for dept in _DEPTS[: int(n_departments)]:
        _generate_department(dept, year_list, int(seed), region, rows)

    frames = {name: _typed_frame(name, rows[name]) for name in COLUMNS}
    return frames


def _typed_frame(name: str, records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=COLUMNS[name])
    for col in frame.columns:
        if col == "year" or (name == "staffing" and col in ("quota", "actual", "retired")):
            frame[col] = frame[col].astype("Int64")
        elif col in _FLOAT_COLUMNS or (name == "finance" and col == "actual"):
            frame[col] = frame[col].astype("Float64")
        else:
            frame[col] = frame[col].astype(STR).where(frame[col].notna(), pd.NA)
    return frame


def _generate_department(dept: _Dept, years: list[int], seed: int, region: str,
                         rows: dict[str, list[dict]]) -> None:
    dept_id = f"demo-{dept.key}"
    rng = random.Random(f"{seed}:{dept_id}")
    rows["departments"].append({
        "dept_id": dept_id,
        "name": EXAMPLE_PREFIX + dept.name,
        "region": region,
        "full_name": dept.full_name.replace("示例县", region, 1),
        "note": EXAMPLE_NOTE.format(seed=seed),
    })
    planted: dict[int, set[str]] = {}
    for table in (_PLANTED, _PLANTED_EXTRA):
        if dept.key in table:
            idx, kind = table[dept.key]
            if -len(years) <= idx < len(years):
                planted.setdefault(years[idx], set()).add(kind)

    first = years[0]
    quota = dept.quota
    staff = quota - rng.randint(1, 3)
    carry_in = _r4(rng.uniform(0.2, 2.0) * (1 + dept.fund * 10))
    project_base = {name: amount for name, amount in dept.projects}
    n_out = len(dept.output)
    for year in years:
        kinds = planted.get(year, set())
        t = year - first
        # ---- staffing
        if year > first and rng.random() < 0.3:
            quota = quota + rng.choice((-1, 1))
        staff = max(1, min(quota, staff + rng.choice((-1, 0, 0, 1))))
        staff_year = quota + 2 if "over_quota" in kinds else staff
        rows["staffing"].append({"dept_id": dept_id, "year": year, "quota": quota,
                                 "actual": staff_year,
                                 "retired": rng.randint(0, max(1, quota // 6))})
        # ---- finance leaves
        growth = 1.035 ** t
        pers_adj = _r4(staff_year * dept.personnel_pc * growth * rng.uniform(0.97, 1.03))
        pers_init = _r4(pers_adj * rng.uniform(0.93, 1.0))
        pers_act = _r4(pers_adj * rng.uniform(0.985, 1.0))
        pub_adj = _r4(staff_year * dept.public_pc * growth * rng.uniform(0.9, 1.1))
        pub_init = _r4(pub_adj * rng.uniform(0.9, 1.0))
        pub_act = _r4(pub_adj * rng.uniform(0.93, 1.0))
        projects: list[tuple[str, float, float, float]] = []
        for i, (pname, base) in enumerate(dept.projects):
            if i == len(dept.projects) - 1 and len(dept.projects) > 2 and t == 0:
                continue  # the last project starts in the second year
            adj = _r4(base * growth * rng.uniform(0.75, 1.3))
            init = 0.0 if rng.random() < 0.2 else _r4(adj * rng.uniform(0.7, 1.0))
            act = _r4(adj * rng.uniform(0.6 + 0.35 * dept.quality, 1.0))
            projects.append((pname, init, adj, act))
        basic = tuple(_r4(a + b) for a, b in ((pers_init, pub_init), (pers_adj, pub_adj),
                                               (pers_act, pub_act)))
        proj = tuple(_r4(sum(p[k] for p in projects)) for k in (1, 2, 3))
        total = [_r4(basic[k] + proj[k]) for k in range(3)]
        # sources: 上年结转 (budget only in the adjusted budget), 政府性基金, 一般公共预算
        carry = (0.0, carry_in, carry_in)
        fund = tuple(_r4(proj[k] * dept.fund * 2) for k in range(3)) if dept.fund else None
        general = tuple(_r4(total[k] - carry[k] - (fund[k] if fund else 0.0)) for k in range(3))
        total_written = list(total)
        if "rounding_slip" in kinds:
            total_written[2] = _r4(total[2] + 0.0001)
        fin = rows["finance"]

        def add(item: str, parent: str | None, init, adj, act) -> None:
            fin.append({"dept_id": dept_id, "year": year, "item": item, "parent": parent,
                        "initial_budget": init, "adjusted_budget": adj, "actual": act,
                        "unit": "万元"})

        add("年度资金总额", None, *total_written)
        add("一般公共预算", "年度资金总额", *general)
        if fund:
            add("政府性基金", "年度资金总额", *fund)
        add("上年结转", "年度资金总额", *carry)
        add("基本支出", "年度资金总额", *basic)
        add("人员经费", "基本支出", pers_init, pers_adj, pers_act)
        add("公用经费", "基本支出", pub_init, pub_adj, pub_act)
        add("项目支出", "年度资金总额", *proj)
        for pname, init, adj, act in projects:
            add(pname, "项目支出", init, adj, act)
        # memo: 三公经费 and children, 政府采购, 年末结转结余
        car_run = _r4(staff_year * rng.uniform(0.08, 0.16))
        car_buy = _r4(rng.choice((0.0, 0.0, 0.0, 18.5, 22.0))) if staff_year > 20 else 0.0
        recep = _r4(staff_year * rng.uniform(0.03, 0.08))
        abroad = 0.0
        children = [("公务用车购置", car_buy), ("公务用车运行维护", car_run),
                    ("公务接待", recep), ("因公出国(境)", abroad)]
        spent = [(n, b, _r4(b * rng.uniform(0.8, 1.0))) for n, b in children]
        add("三公经费", None, _r4(sum(b for _, b, _ in spent)),
            _r4(sum(b for _, b, _ in spent)), _r4(sum(a for _, _, a in spent)))
        for n, b, a in spent:
            add(n, "三公经费", b, b, a)
        procurement = _r4(total[2] * rng.uniform(0.04, 0.15))
        add("政府采购", None, None, _r4(procurement * rng.uniform(1.0, 1.1)), procurement)
        carry_out = _r4(total[1] - total[2])
        add("年末结转结余", None, None, None, carry_out)
        carry_in = carry_out
        # ---- indicators
        n_output = rng.choice((5, 6)) if n_out > 5 else 5
        n_effect = min(len(dept.effect), rng.choice((2, 3, 3, 4)))
        n_sat = rng.choice((1, 1, 2))
        chosen = (
            list(zip(dept.output[:n_output], _split(50, n_output)))
            + list(zip(dept.effect[:n_effect], _split(30, n_effect)))
            + list(zip(_SATISFACTION[:n_sat], _split(10, n_sat)))
        )
        item_total = 0.0
        deducted_planted = "deduction_without_shortfall" not in kinds
        silent_planted = "shortfall_without_reason" not in kinds
        for template, weight in chosen:
            ind = _indicator(template, weight, rng, dept.quality)
            if not deducted_planted and not ind["shortfall"] and ind["kind"] in ("pct_100", "pct_ge"):
                ind["score"] = float(weight - 1)
                ind["reason"] = None
                deducted_planted = True
            if not silent_planted and ind["kind"] == "pct_ge":
                target_value = float(template[4])
                ind["actual"] = f"{_fmt_num(target_value - 2.5, 1)}%"
                ind["score"] = round(weight * (target_value - 2.5) / target_value, 2)
                ind["reason"] = None
                silent_planted = True
            item_total += ind["score"]
            rows["indicators"].append({
                "dept_id": dept_id, "year": year, "level1": template[0],
                "level2": template[1], "name": template[2], "target": ind["target"],
                "actual": ind["actual"], "weight": float(weight), "score": ind["score"],
                "direction": ind["direction"] if dept.direction_column else None,
                "reason": ind["reason"],
            })
        # ---- goals
        for goal, result in dept.goals:
            rows["goals"].append({"dept_id": dept_id, "year": year, "goal": goal,
                                  "result": result or None})
        # ---- evaluation
        rate = total[2] / total[1]
        exec_score = round(min(rate, 1.0) * 10, 2)
        rate_text = "100%" if "execution_rate_text" in kinds else f"{rate * 100:.2f}%"
        total_score = round(item_total + exec_score, 2)
        if "total_score_off" in kinds:
            total_score = round(total_score + 1, 2)
        grade = ("优秀" if total_score >= 90 else "良好" if total_score >= 80
                 else "中" if total_score >= 60 else "差")
        rows["evaluations"].append({
            "dept_id": dept_id, "year": year, "framework": None, "total_weight": 100.0,
            "total_score": total_score, "grade": grade, "execution_rate": rate_text,
            "execution_weight": 10.0, "execution_score": exec_score,
        })


def _split(total: int, n: int) -> list[int]:
    """Integer weights adding to ``total`` (multiples of 5 where possible)."""
    if n <= 0:
        return []
    base = total // n
    if total % n == 0 and base % 5 == 0:
        return [base] * n
    # e.g. 50/6 -> 10,10,10,10,5,5 ; 30/4 -> 10,10,5,5
    big, small = (10, 5) if total >= 5 * n else (base + 1, base)
    k = (total - small * n) // (big - small)
    weights = [big] * k + [small] * (n - k)
    weights[0] += total - sum(weights)
    return weights


def _indicator(template, weight: int, rng: random.Random, quality: float) -> dict:
    level1, level2, name, kind, param = template
    shortfall = False
    reason = None
    direction = "≥"
    p_short = 0.05 + 0.9 * (1 - quality)  # chance of missing a quantitative target
    depth = 1.0 + 45.0 * (1 - quality)  # how far below the target a shortfall goes
    if kind == "pct_ge" or kind == "sat":
        target_value = float(param)
        target = f"≥{_fmt_num(target_value, 1)}%"
        if rng.random() < p_short:
            achieved = round(max(1.0, target_value - rng.uniform(0.5, depth)), 1)
        else:
            achieved = round(min(100.0, target_value + rng.uniform(0.0, 100.0 - target_value)), 1)
        if kind == "sat" and rng.random() < 0.25 and achieved >= target_value:
            actual = f"≥{_fmt_num(target_value, 1)}%"  # vague: written as a bound
        else:
            actual = f"{_fmt_num(achieved, 1)}%"
        shortfall = achieved < target_value
        score = round(weight * achieved / target_value, 2) if shortfall else float(weight)
    elif kind == "pct_100":
        target = "100%"
        if rng.random() < p_short:
            achieved = round(100 - rng.uniform(0.5, depth), 1)
            shortfall = True
            score = round(weight * achieved / 100, 2)
        else:
            achieved = 100.0
            score = float(weight)
        actual = f"{_fmt_num(achieved, 1)}%"
    elif kind == "count_ge":
        digits = "".join(c for c in str(param) if c.isdigit() or c == ".")
        unit = str(param)[len(digits):]
        target_value = float(digits)
        target = f"≥{_fmt_num(target_value)}{unit}"
        factor = rng.uniform(0.95 - 0.8 * (1 - quality), 1.4)
        achieved = round(target_value * factor) if target_value >= 5 else round(target_value * factor, 1)
        actual = f"{_fmt_num(achieved)}{unit}"
        shortfall = achieved < target_value
        score = round(weight * achieved / target_value, 2) if shortfall else float(weight)
        if achieved >= 1.3 * target_value:
            reason = rng.choice(_REASONS_OVER) if rng.random() < 0.7 else None
    elif kind == "cost_le":
        direction = "≤"
        target_value = float(param)
        target = f"≤{_fmt_num(target_value)}万元"
        achieved = round(target_value * rng.uniform(0.85, 1.04), 2)
        actual = f"{_fmt_num(achieved, 2)}万元"
        shortfall = achieved > target_value
        score = (round(weight * max(0.0, 1 - (achieved - target_value) / target_value), 2)
                 if shortfall else float(weight))
    elif kind == "budget":
        direction = "≤"
        target = "不突破预算"
        actual = rng.choice(("100%", "未突破预算", "未超预算"))
        score = float(weight)
    else:  # qual
        direction = "定性"
        target = str(param)
        if rng.random() < p_short:
            band = rng.choice((0.8, 0.7, 0.6, 0.5))
            actual = "部分达成年度指标并具有一定效果"
        else:
            band = rng.choice((1.0, 1.0, 0.95, 0.9))
            actual = "达成年度指标" if band < 1.0 or rng.random() < 0.5 else str(param)
        score = round(weight * band * 2) / 2
    if shortfall and reason is None:
        reason = rng.choice(_REASONS_SHORT)
    elif not shortfall and kind != "qual" and rng.random() < 1.2 * (1 - quality) - 0.1:
        score = float(weight - 1)  # a modest self-deduction, as many reports do
    return {"target": target, "actual": actual, "score": score, "reason": reason,
            "shortfall": shortfall, "kind": kind, "direction": direction}


# --------------------------------------------------------------------------- CSV text
def format_csv_rows(frame: pd.DataFrame) -> list[str]:
    """Format a generated frame as CSV lines (no header, no line ends).

    Numbers are written with at most four decimals and no trailing zeros
    (``85.8361``, ``10``), blanks as empty fields, exactly as the embedded default
    dataset writes them. Used by ``scripts/make_examples.py`` and its test.

    Parameters
    ----------
    frame : pandas.DataFrame
        One of the frames returned by :func:`generate_examples`.

    Returns
    -------
    list of str
        One CSV line per row, in the frame's column order.

    Examples
    --------
    >>> f = generate_examples(n_departments=1, years=[2021])["staffing"]
    >>> format_csv_rows(f)[0].startswith("demo-czj,2021,")
    True
    """
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for record in frame.itertuples(index=False):
        out = []
        for value in record:
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                out.append("")
            elif isinstance(value, float):
                out.append(_fmt_num(value))
            else:
                out.append(str(value))
        writer.writerow(out)
    return buffer.getvalue().splitlines()
