"""Tests of the audit-findings catalogue (perfeval._checks)."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pytest

import perfeval
from conftest import load_dept_year
from perfeval._checks import CATALOGUE, COLUMNS, SEVERITIES, _written_half_step_pp, check

# ---------------------------------------------------------------- dataset builder

D, Y = "t-dept", 2022

BASE: dict[str, list[dict[str, Any]]] = {
    "departments": [{"dept_id": D, "name": "测试局", "region": "测试县"}],
    "finance": [
        {"item": "年度资金总额", "initial_budget": 100, "adjusted_budget": 100, "actual": 98},
        {"item": "一般公共预算", "initial_budget": 100, "adjusted_budget": 100, "actual": 98},
        {"item": "基本支出", "initial_budget": 80, "adjusted_budget": 80, "actual": 78},
        {"item": "人员经费", "initial_budget": 60, "adjusted_budget": 60, "actual": 59},
        {"item": "公用经费", "initial_budget": 20, "adjusted_budget": 20, "actual": 19},
        {"item": "项目支出", "initial_budget": 20, "adjusted_budget": 20, "actual": 20},
        {"item": "年末结转结余", "actual": 2},
    ],
    "staffing": [{"quota": 10, "actual": 9, "retired": 1}],
    "indicators": [
        {"level1": "产出", "level2": "数量指标", "name": "甲指标", "target": "100%", "actual": "100%", "weight": 20, "score": 20},
        {"level1": "产出", "level2": "质量指标", "name": "乙指标", "target": "≥95%", "actual": "96%", "weight": 20, "score": 20},
        {"level1": "产出", "level2": "成本指标", "name": "基本支出", "target": "不突破预算", "actual": "未超预算", "weight": 10, "score": 10},
        {"level1": "效益", "level2": "社会效益指标", "name": "丙指标", "target": "有效提升", "actual": "达成年度指标", "weight": 15, "score": 14},
        {"level1": "效益", "level2": "经济效益指标", "name": "丁指标", "target": "≤30万元", "actual": "28万元", "weight": 15, "score": 15},
        {"level1": "满意度", "level2": "满意度指标", "name": "戊指标", "target": "≥90%", "actual": "95%", "weight": 10, "score": 10},
    ],
    "goals": [{"goal": "完成年度工作", "result": "已完成"}],
    "evaluations": [{"total_weight": 100, "total_score": 98.8, "grade": "优秀", "execution_rate": "98%",
                     "execution_weight": 10, "execution_score": 9.8}],
}



def make_dataset(tmp: Path, change: Callable[[dict[str, list[dict[str, Any]]]], None] | None = None) -> Any:
    """Write BASE (after ``change`` edits a deep copy) as a CSV folder and load it."""
    tables = copy.deepcopy(BASE)
    if change is not None:
        change(tables)
    return load_dept_year(tmp / "ds", tables, D, Y)


def ind(tables: dict[str, list[dict[str, Any]]], name: str) -> dict[str, Any]:
    return next(r for r in tables["indicators"] if r["name"] == name)


def fin(tables: dict[str, list[dict[str, Any]]], item: str) -> dict[str, Any]:
    return next(r for r in tables["finance"] if r["item"] == item)


def ev(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return tables["evaluations"][0]


def setter(fn: Callable[[dict[str, list[dict[str, Any]]]], dict[str, Any]], **kv: Any):
    def change(t: dict[str, list[dict[str, Any]]]) -> None:
        fn(t).update(kv)
    return change


def both(*changes):
    def change(t):
        for c in changes:
            c(t)
    return change


def remove_carry(t):
    t["finance"] = [r for r in t["finance"] if r["item"] != "年末结转结余"]


def add_personnel_details(a: float, b: float):
    def change(t):
        fin(t, "人员经费")["actual"] = None
        t["finance"] += [{"item": "工资福利", "parent": "人员经费", "actual": a},
                         {"item": "津补贴", "parent": "人员经费", "actual": b}]
    return change


# ---------------------------------------------------------------- cases: (code, trigger, near miss)

I = lambda name: (lambda t: ind(t, name))  # noqa: E731
F = lambda item: (lambda t: fin(t, item))  # noqa: E731

CASES: list[tuple[str, Any, Any]] = [
    ("total_score_mismatch", setter(ev, total_score=95), setter(ev, total_score=98.82)),
    ("category_weight_mismatch", setter(I("丙指标"), weight=20, score=18), setter(I("丙指标"), weight=None)),
    ("weight_total_mismatch", setter(ev, total_weight=90), setter(ev, execution_weight=None)),
    ("execution_rate_mismatch", setter(ev, execution_rate="97%"), setter(ev, execution_rate="98.4%")),
    ("execution_score_mismatch", setter(ev, execution_score=9), setter(ev, execution_score=9.84)),
    ("indicator_score_mismatch", setter(I("乙指标"), actual="90%", score=17, reason="因故延期"),
     setter(I("乙指标"), actual="90%", score=18.95, reason="因故延期")),
    ("deduction_without_shortfall", setter(I("甲指标"), score=18),
     setter(I("甲指标"), actual="90%", score=18, reason="因故延期")),
    ("full_score_despite_shortfall", setter(I("甲指标"), actual="90%", reason="因故延期"),
     setter(I("甲指标"), actual="90%", score=18, reason="因故延期")),
    ("missing_weight", setter(I("甲指标"), weight=None), None),
    ("missing_score", setter(I("甲指标"), score=None), None),
    ("grade_mismatch", setter(ev, grade="良好"), setter(ev, grade="优")),
    ("grade_differs_after_rescore", setter(I("甲指标"), actual="50%", reason="因故延期"), None),
    ("sum_mismatch", setter(F("人员经费"), actual=58), setter(F("项目支出"), actual=None, initial_budget=None)),
    ("funds_unbalanced", setter(F("年末结转结余"), actual=3), remove_carry),
    ("vague_actual", setter(I("乙指标"), actual="≥96%"), setter(I("基本支出"), actual="≤80万元")),
    ("duplicate_indicator", setter(I("戊指标"), name="甲指标"), setter(I("戊指标"), name="甲指标二")),
    ("missing_reason", setter(I("甲指标"), actual="90%", score=18),
     setter(I("甲指标"), actual="90%", score=18, reason="受疫情影响")),
    ("qualitative_score_out_of_band", setter(I("丙指标"), score=10), setter(I("丙指标"), score=12)),
    ("staff_over_quota", lambda t: t["staffing"][0].update(actual=11), lambda t: t["staffing"][0].update(actual=10)),
    ("score_exceeds_weight", setter(I("甲指标"), score=21), setter(I("甲指标"), score=20.04)),
    ("category_score_exceeds_weight", setter(I("丁指标"), score=17), setter(I("丁指标"), score=15)),
    ("unknown_category", setter(I("戊指标"), level1="其他"), setter(I("戊指标"), level1="满意度指标（10分）")),
    ("unscorable_indicator", setter(I("甲指标"), actual="完成"), setter(I("甲指标"), actual="1")),
    ("goal_without_result", lambda t: t["goals"][0].update(result=""), lambda t: t["goals"][0].update(result="部分完成")),
    ("target_conflicts_name", setter(I("戊指标"), name="满意度≥95%"), setter(I("戊指标"), name="满意度≥90%")),
]


def test_every_catalogue_code_has_a_case():
    assert {c for c, _, _ in CASES} == set(CATALOGUE)
    for code, (sev, title, desc) in CATALOGUE.items():
        assert sev in SEVERITIES and title and desc, code


def test_clean_dataset_has_no_findings(tmp_path):
    f = check(make_dataset(tmp_path))
    assert list(f.columns) == COLUMNS
    assert f.empty, f.to_string()


@pytest.mark.parametrize("code,trigger,near", CASES, ids=[c[0] for c in CASES])
def test_code_triggers(tmp_path, code, trigger, near):
    f = check(make_dataset(tmp_path, trigger))
    hits = f[f["code"] == code]
    assert len(hits) >= 1, f.to_string()
    row = hits.iloc[0]
    assert row["severity"] == CATALOGUE[code][0]
    assert row["dept_id"] == D and int(row["year"]) == Y
    assert ".csv" in row["location"] and "第" in row["location"]
    assert row["expected"] and row["found"] and row["message"]


@pytest.mark.parametrize("code,trigger,near", [c for c in CASES if c[2] is not None],
                         ids=[c[0] for c in CASES if c[2] is not None])
def test_code_near_miss_does_not_trigger(tmp_path, code, trigger, near):
    f = check(make_dataset(tmp_path, near))
    assert code not in set(f["code"]), f.to_string()


def test_rollup_from_details(tmp_path):
    ok = check(make_dataset(tmp_path, add_personnel_details(30, 29)))
    assert "sum_mismatch" not in set(ok["code"])
    bad = check(make_dataset(tmp_path, add_personnel_details(30, 20)))
    row = bad[bad["code"] == "sum_mismatch"].iloc[0]
    assert row["expected"] == "69.0000万元" and row["found"] == "78.0000万元"
    assert "由明细汇总" in row["message"] and "基本支出" in row["location"]


def test_over_achievement_needs_reason(tmp_path):
    f = check(make_dataset(tmp_path, setter(I("戊指标"), actual="130%")))
    assert "missing_reason" in set(f["code"])
    f = check(make_dataset(tmp_path, setter(I("戊指标"), actual="110%")))
    assert "missing_reason" not in set(f["code"])


def test_unrecognised_grade(tmp_path):
    f = check(make_dataset(tmp_path, setter(ev, grade="甲等")))
    row = f[f["code"] == "grade_mismatch"].iloc[0]
    assert row["found"] == "甲等"


def test_written_half_step():
    assert _written_half_step_pp("98%") == pytest.approx(0.5)
    assert _written_half_step_pp("99.56%") == pytest.approx(0.005)
    assert _written_half_step_pp("0.98") == pytest.approx(0.5)
    assert _written_half_step_pp(None) == 0.0


def test_rate_tolerance_from_written_digits(tmp_path):
    # actual 98.4 of 100 → 98.40%; "98%" is within half a point, "98.0%" is not
    near = setter(F("年度资金总额"), actual=98.4)
    f = check(make_dataset(tmp_path, both(near, setter(ev, execution_rate="98%"), setter(F("一般公共预算"), actual=98.4),
                                          setter(F("年末结转结余"), actual=1.6), setter(F("项目支出"), actual=20.4))))
    assert "execution_rate_mismatch" not in set(f["code"])


def test_sorted_and_typed(tmp_path):
    f = check(make_dataset(tmp_path, both(setter(ev, total_score=95), setter(I("乙指标"), actual="≥96%"))))
    ranks = [SEVERITIES.index(s) for s in f["severity"]]
    assert ranks == sorted(ranks)
    assert str(f["year"].dtype) == "Int64"


def test_check_does_not_mutate(tmp_path):
    ds = make_dataset(tmp_path, setter(I("甲指标"), actual="≥90%", weight=None))
    before = {n: getattr(ds, n).copy(deep=True) for n in ("finance", "indicators", "evaluations", "staffing")}
    check(ds)
    perfeval.rescore(ds)
    for n, df in before.items():
        pd.testing.assert_frame_equal(getattr(ds, n), df)


# ---------------------------------------------------------------- the embedded seed


def _one(f: pd.DataFrame, code: str, where: str = "") -> pd.Series:
    hits = f[(f["code"] == code) & f["location"].str.contains(where, regex=False)]
    assert len(hits) >= 1, f"{code} {where} not found"
    return hits.iloc[0]


def test_seed_contradictions():
    f = check(perfeval.load())
    f = f[(f["dept_id"] == "hyx-wxb") & (f["year"] == 2021)]
    r = _one(f, "execution_rate_mismatch")
    assert (r["expected"], r["found"]) == ("99.56%", "98.00%")
    r = _one(f, "execution_score_mismatch")
    assert (r["expected"], r["found"]) == ("9.96分", "9分")
    r = _one(f, "total_score_mismatch")
    assert (r["expected"], r["found"]) == ("100分", "91分")
    r = _one(f, "category_weight_mismatch", "效益")
    assert (r["expected"], r["found"]) == ("30分", "40分")
    r = _one(f, "weight_total_mismatch")
    assert (r["expected"], r["found"]) == ("100分", "110分")
    _one(f, "missing_weight", "上级舆情交办率")
    _one(f, "missing_score", "上级舆情交办率")
    r = _one(f, "full_score_despite_shortfall", "第一时间协调处置网络安全事件")
    assert r["found"] == "10分" and "9.8" in r["expected"]
    r = _one(f, "deduction_without_shortfall", "上级下发网宣网评任务完成率")
    assert (r["expected"], r["found"]) == ("10分", "9分")
    r = _one(f, "deduction_without_shortfall", "「基本支出」")
    assert (r["expected"], r["found"]) == ("10分", "9分")
    assert "85.4561" in r["message"] and "85.8361" in r["message"]
    r = _one(f, "duplicate_indicator", "把牢网络舆论导向")
    assert "第3项" in r["found"]
    r = _one(f, "sum_mismatch", "基本支出 全年执行数")
    assert (r["expected"], r["found"]) == ("85.8361万元", "85.4561万元")
    assert "71.9019" in r["message"] and "13.9342" in r["message"]
    vague = f[f["code"] == "vague_actual"]
    assert len(vague) == 8 and set(vague["found"]) == {"≥98%", "≥95%", "≥95"}
    r = _one(f, "goal_without_result", "第3条")
    assert "坚持以健全工作体系为重点" in r["message"]
    assert len(f[f["code"] == "goal_without_result"]) == 1
    r = _one(f, "target_conflicts_name", "满意度≥95%")
    assert (r["expected"], r["found"]) == ("≥95%（名称所写）", "100%")
    assert len(f[f["code"] == "target_conflicts_name"]) == 1  # "实行24小时…" is not a target
    reasons = f[f["code"] == "missing_reason"]
    assert len(reasons) == 9  # every shortfall, including the unweighted 上级舆情交办率
    r = _one(f, "indicator_score_mismatch", "第一时间完成涉县网络舆情处置")
    assert (r["expected"], r["found"]) == ("9.8分", "9分")
    assert "staff_over_quota" not in set(f["code"])  # 12 of 19
    assert "funds_unbalanced" not in set(f["code"])  # 85.8361 = 85.4561 + 0.38
    assert "grade_mismatch" not in set(f["code"])  # 91 and 优秀


def test_seed_locations_name_file_and_row():
    f = check(perfeval.load())
    r = _one(f[f["dept_id"] == "hyx-wxb"], "missing_weight")
    assert r["location"] == "绩效指标 第7项「上级舆情交办率」分值（indicators.csv 第8行）"


def test_passing_the_scorecard_gives_the_same_findings():
    ds = perfeval.load()
    card = perfeval.rescore(ds)
    before = card.indicators.copy(deep=True)
    pd.testing.assert_frame_equal(check(ds, scorecard=card), check(ds))
    pd.testing.assert_frame_equal(card.indicators, before)


# ---------------------------------------------------------------- correctness: thresholds, vocabulary, pairing


def test_exact_95_percent_execution_is_not_a_mismatch(tmp_path):
    # 2.014 / 2.12 is 94.99999999999999%: exactly the stated 95%
    def change(t):
        t["finance"] = [{"item": "年度资金总额", "initial_budget": 2.12, "adjusted_budget": 2.12, "actual": 2.014}]
        t["evaluations"][0].update(execution_rate="95%", execution_score=9.5, total_score=98.5)
    found = check(make_dataset(tmp_path, change))
    assert not {"execution_rate_mismatch", "execution_score_mismatch"} & set(found["code"])


def test_consistent_sangong_raises_no_sum_mismatch(tmp_path):
    # 三公经费 = 公务用车购置和维护经费 (= 购置 + 运行维护) + 公务接待 + 因公出国(境); parents from the vocabulary
    def change(t):
        t["finance"] += [
            {"item": "三公经费", "adjusted_budget": 10, "actual": 10},
            {"item": "公务用车购置和维护经费", "adjusted_budget": 6, "actual": 6},
            {"item": "公务用车购置", "adjusted_budget": 2, "actual": 2},
            {"item": "公务用车运行维护", "adjusted_budget": 4, "actual": 4},
            {"item": "公务接待", "adjusted_budget": 3, "actual": 3},
            {"item": "因公出国(境)", "adjusted_budget": 1, "actual": 1},
        ]
    ds = make_dataset(tmp_path, change)
    assert "sum_mismatch" not in set(check(ds)["code"])
    parents = dict(zip(ds.finance["item"], ds.finance["parent"]))
    assert parents["公务用车购置"] == "公务用车购置和维护经费" and parents["公务用车购置和维护经费"] == "三公经费"


def test_sangong_without_the_car_subtotal_rolls_into_sangong(tmp_path):
    def change(t):
        t["finance"] += [
            {"item": "三公经费", "adjusted_budget": 10, "actual": 10},
            {"item": "公务用车购置", "adjusted_budget": 2, "actual": 2},
            {"item": "公务用车运行维护", "adjusted_budget": 4, "actual": 4},
            {"item": "公务接待", "adjusted_budget": 4, "actual": 4},
        ]
    ds = make_dataset(tmp_path, change)
    assert dict(zip(ds.finance["item"], ds.finance["parent"]))["公务用车购置"] == "三公经费"
    assert "sum_mismatch" not in set(check(ds)["code"])
    # and a real mismatch is still found
    def wrong(t):
        change(t)
        fin(t, "公务接待")["actual"] = 5
    assert "sum_mismatch" in set(check(make_dataset(tmp_path / "w", wrong))["code"])


def test_blank_total_rolls_up_one_split(tmp_path):
    # blank 年度资金总额 with both splits: the roll-up is one split (100), not their sum (198)
    def change(t):
        fin(t, "年度资金总额")["actual"] = None
    ds = make_dataset(tmp_path, change)
    from perfeval._metrics import rolled_up

    roll = rolled_up(ds)
    total = roll[roll["item"] == "年度资金总额"].iloc[0]
    assert total["value"] == pytest.approx(98) and total["basis"] == "children"


def test_scorecard_is_paired_by_key(tmp_path):
    def change(t):
        ind(t, "乙指标")["actual"] = "≥96%"  # vague: the finding must name 乙指标 whatever the row order
    ds = make_dataset(tmp_path, change)
    card = perfeval.rescore(ds)
    shuffled = type(card)(indicators=card.indicators.iloc[::-1].reset_index(drop=True),
                          categories=card.categories, totals=card.totals)
    found = check(ds, scorecard=shuffled)
    pd.testing.assert_frame_equal(found, check(ds))
    assert found.loc[found["code"] == "vague_actual", "location"].str.contains("乙指标").all()


def test_scorecard_of_another_subset_is_refused():
    ds = perfeval.load()
    depts = sorted(set(ds.indicators["dept_id"]))
    other = perfeval.rescore(ds.subset([depts[1]]))
    with pytest.raises(ValueError, match="评分表（scorecard）与数据集不匹配"):
        check(ds.subset([depts[0]]), scorecard=other)
def test_duplicate_name_with_blank_level1_is_reported_not_a_crash(tmp_path):
    """A blank 一级指标 on a duplicated indicator once raised `boolean value of NA is ambiguous`."""
    ds = load_dept_year(tmp_path, {
        "departments": [{"dept_id": "d1", "name": "甲局", "region": "乙县"}],
        "indicators": [
            {"level2": "数量指标", "name": "指标甲", "target": "100%", "actual": "100%", "weight": 10, "score": 10},
            {"level2": "数量指标", "name": "指标甲", "target": "100%", "actual": "100%", "weight": 10, "score": 10},
        ],
    }, "d1", 2022)
    found = check(ds)
    dup = found[found["code"] == "duplicate_indicator"]
    assert len(dup) == 1 and "（/数量指标）" in dup["message"].iloc[0]
