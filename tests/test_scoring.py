"""Tests of scoring frameworks and re-scoring (perfeval._scoring)."""
from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import perfeval
from perfeval.narrative import department_summary
from conftest import load_dept_year
from perfeval._scoring import (
    Framework,
    FrameworkError,
    list_frameworks,
    load_framework,
    rescore,
    score_execution,
    score_indicator,
    shortfall_share,
)

D, Y = "s-dept", 2022


def make_dataset(tmp: Path, indicators: list[dict[str, Any]], *, finance: list[dict[str, Any]] | None = None,
                 staffing: dict[str, Any] | None = None, evaluation: dict[str, Any] | None = None) -> Any:
    """A one-dept-year dataset from a few dicts (written as CSV and loaded)."""
    tables = {
        "departments": [{"dept_id": D, "name": "测试"}],
        "finance": finance if finance is not None else [
            {"item": "年度资金总额", "initial_budget": 80, "adjusted_budget": 100, "actual": 90},
            {"item": "基本支出", "adjusted_budget": 70, "actual": 75},
        ],
        "staffing": [staffing or {"quota": 20, "actual": 22}],
        "indicators": indicators,
        "evaluations": [evaluation or {"total_weight": 100, "total_score": 90, "grade": "优",
                                       "execution_rate": "90%", "execution_weight": 10, "execution_score": 9}],
    }
    return load_dept_year(tmp / "ds", tables, D, Y)


def one(tmp: Path, target: str, actual: str, weight: float | None = 10, *, framework: Any = None,
        name: str = "指标", level1: str = "产出", direction: str | None = None) -> pd.Series:
    ds = make_dataset(tmp, [{"level1": level1, "level2": "数量指标", "name": name, "target": target,
                             "actual": actual, "weight": weight, "score": None, "direction": direction}])
    return rescore(ds, framework).indicators.iloc[0]


# ---------------------------------------------------------------- frameworks


def test_shipped_frameworks_load():
    ids = list_frameworks()
    assert {"national_2020", "hubei", "hunan_legacy"} <= set(ids)
    for fid in ids:
        fw = load_framework(fid)
        assert fw.id == fid
        assert sum(c.weight for c in fw.categories) + fw.execution.weight == pytest.approx(fw.total)
    nat = load_framework()
    assert nat.id == "national_2020"
    assert [(c.name, c.weight) for c in nat.categories] == [("产出", 50), ("效益", 30), ("满意度", 10)]
    assert nat.execution.weight == 10 and nat.execution.rule == "linear"
    assert load_framework("hubei").execution.weight == 20


def test_grades_and_synonyms():
    fw = load_framework()
    assert [fw.grade_for(x) for x in (100, 90, 89.99, 80, 79.9, 60, 59.99, 0)] == ["优", "优", "良", "良", "中", "中", "差", "差"]
    assert fw.normalise_grade("优秀") == "优" and fw.normalise_grade("良好") == "良"
    assert fw.normalise_grade(" 合格 ") == "中" and fw.normalise_grade("中等") == "中"
    assert fw.normalise_grade("不合格") == "差" and fw.normalise_grade("较差") == "差"
    assert fw.normalise_grade("甲") is None


def test_qualitative_bands_longest_phrase_wins():
    fw = load_framework()
    assert fw.band_for("达成年度指标").name == "达成"
    assert fw.band_for("部分达成年度指标并具有一定效果").name == "部分达成"
    assert fw.band_for("未达成年度指标且效果较差").name == "未达成"
    assert fw.band_for("全部完成").name == "达成" and fw.band_for("效果明显").name == "达成"
    assert fw.band_for("未完成").name == "未达成"
    assert fw.band_for("说不清") is None


def test_category_matching():
    fw = load_framework()
    assert fw.category("产出指标（50分）").name == "产出"
    assert fw.category("满意度\n指标") .name == "满意度"
    assert fw.category("投入") is None
    assert load_framework("hubei").category("满意度").name == "效益"


def _write(tmp: Path, text: str) -> Path:
    p = tmp / "my.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _valid_text() -> str:
    return (Path(perfeval.__file__).parent / "frameworks" / "national_2020.toml").read_text(encoding="utf-8")


def test_user_framework_file(tmp_path):
    p = _write(tmp_path, _valid_text().replace('id = "national_2020"', 'id = "mine"'))
    fw = load_framework(p)
    assert fw.id == "mine" and fw.path.endswith("my.toml")
    assert load_framework(str(p)).id == "mine"


@pytest.mark.parametrize("edit,match", [
    (lambda s: s.replace("total = 100", "total = 90"), r"my\.toml.*categories.*不等于 total 90"),
    (lambda s: s.replace('weight = 10\nrule = "linear"', 'weight = "十"\nrule = "linear"'), r"my\.toml.*execution\.weight.*数值.*'十'"),
    (lambda s: s.replace('rule = "linear"', 'rule = "curvy"'), r"my\.toml.*execution\.rule.*curvy"),
    (lambda s: s.replace('id = "national_2020"\n', ''), r"my\.toml.*缺少键 id"),
    (lambda s: "bogus = 1\n" + s, r"my\.toml.*未知的键 bogus"),
    (lambda s: s + "\nbogus = 1\n", r"my\.toml.*未知的键 tolerance\.bogus"),
    (lambda s: s.replace("low = 0.8\nhigh = 1.0", "low = 0.9\nhigh = 0.5"), r"my\.toml.*qualitative\[1\]\.high"),
    (lambda s: s + "\n[[", r"my\.toml.*不是有效的 TOML"),
])
def test_bad_framework_file(tmp_path, edit, match):
    p = _write(tmp_path, edit(_valid_text()))
    with pytest.raises(FrameworkError, match=match):
        load_framework(p)


def test_unknown_framework_name():
    with pytest.raises(FrameworkError, match="未知的评分框架「nope」"):
        load_framework("nope")


# ---------------------------------------------------------------- indicator rules


def test_positive_rule(tmp_path):
    r = one(tmp_path, "≥95%", "90%")
    assert r["score"] == pytest.approx(round(10 * 90 / 95, 2)) and bool(r["shortfall"])
    assert one(tmp_path, "≥95%", "99%")["score"] == 10


def test_reverse_rule_zero_at_twice_target(tmp_path):
    assert one(tmp_path, "≤30万元", "28万元")["score"] == 10
    assert one(tmp_path, "≤30万元", "36万元")["score"] == pytest.approx(8.0)
    assert one(tmp_path, "≤30万元", "60万元")["score"] == 0
    assert one(tmp_path, "≤30万元", "90万元")["score"] == 0


def test_equal_rule_zero_target(tmp_path):
    assert one(tmp_path, "0起", "0起", direction="=")["score"] == 10
    assert one(tmp_path, "0起", "2起", direction="=")["score"] == 0


def test_vague_actual_taken_at_bound(tmp_path):
    r = one(tmp_path, "100%", "≥98%")
    assert r["score"] == pytest.approx(9.8) and "界值" in r["basis"]


def test_unitless_actual_takes_target_unit(tmp_path):
    assert one(tmp_path, "100%", "≥95")["score"] == pytest.approx(9.5)


def test_incompatible_units_score_na(tmp_path):
    r = one(tmp_path, "≥50个", "30万元")
    assert pd.isna(r["score"]) and "单位" in r["basis"]
    r = one(tmp_path, "100%", "完成")
    assert pd.isna(r["score"]) and "定性" in r["basis"]


def test_money_units_convert(tmp_path):
    assert one(tmp_path, "≤30万元", "280000元")["score"] == 10


def test_budget_rule_uses_named_finance_item(tmp_path):
    r = one(tmp_path, "不突破预算", "100%", name="基本支出")  # 75 > 70
    assert bool(r["shortfall"]) and r["score"] == pytest.approx(round(10 * (1 - 5 / 70), 2))
    r = one(tmp_path, "不突破预算", "100%", name="资金使用")  # 年度资金总额 90 ≤ 100
    assert r["score"] == 10 and "年度资金总额" in r["basis"]


def test_qualitative_keeps_reported_inside_band(tmp_path):
    ds = make_dataset(tmp_path, [
        {"level1": "效益", "name": "甲", "target": "有效提升", "actual": "达成年度指标", "weight": 10, "score": 8.5},
        {"level1": "效益", "name": "乙", "target": "有效提升", "actual": "部分达成年度指标并具有一定效果", "weight": 10, "score": 9},
    ])
    ind = rescore(ds).indicators
    assert ind.loc[0, "score"] == 8.5 and ind.loc[0, "band"] == "达成"
    assert ind.loc[1, "score"] == 8 and bool(ind.loc[1, "shortfall"])


def test_hubei_bands_differ(tmp_path):
    ds = make_dataset(tmp_path, [
        {"level1": "效益", "name": "乙", "target": "有效提升", "actual": "部分达成", "weight": 10, "score": 5.5}])
    assert rescore(ds, "hubei").indicators.loc[0, "score"] == 5.5
    assert rescore(ds).indicators.loc[0, "score"] == 6


# ---------------------------------------------------------------- execution, metric rules, totals


def test_execution_linear_capped():
    fw = load_framework()
    assert score_execution(0.76, fw)[0] == pytest.approx(7.6)
    assert score_execution(1.2, fw)[0] == 10
    assert score_execution(0.995573, load_framework("hubei"))[0] == pytest.approx(19.91)


def test_execution_tiered():
    fw = load_framework("hunan_legacy")
    assert score_execution(0.96, fw)[0] == 10
    assert score_execution(0.92, fw)[0] == 8
    assert score_execution(0.5, fw)[0] == 0


def test_metric_rules_hunan(tmp_path):
    # adjustment (100-80)/80 = 25% → (20,30] → 0.5 of 3; control 102/100 → 2 points over → 2 − 2×0.5
    ds = make_dataset(tmp_path, [
        {"level1": "投入", "name": "预算调整率", "target": "0", "actual": "25%", "weight": 3, "score": 3},
        {"level1": "投入", "name": "财政供养人员控制率", "target": "≤100%", "actual": "110%", "weight": 2, "score": 2},
    ], staffing={"quota": 100, "actual": 102})
    ind = rescore(ds, "hunan_legacy").indicators
    assert ind.loc[0, "score"] == 0.5
    assert ind.loc[1, "score"] == pytest.approx(1.0)
    assert "102/100" in ind.loc[1, "basis"]


def test_totals_and_category_cap(tmp_path):
    ds = make_dataset(tmp_path, [
        {"level1": "满意度", "name": "甲", "target": "100%", "actual": "100%", "weight": 10, "score": 10},
        {"level1": "满意度", "name": "乙", "target": "100%", "actual": "100%", "weight": 10, "score": 10},
    ])
    card = rescore(ds)
    cat = card.categories.set_index("level1")
    assert cat.loc["满意度", "weight_sum"] == 20 and cat.loc["满意度", "score"] == 10  # capped at 10
    t = card.totals.iloc[0]
    assert t["execution_rate"] == pytest.approx(0.9) and t["execution_score"] == 9
    assert t["total"] == 19 and t["grade"] == "差"
    assert t["total_items_reported"] == 29 and t["grade_reported_normalised"] == "优"


def test_per_dept_year_framework_wins(tmp_path):
    ds = make_dataset(tmp_path, [
        {"level1": "产出", "name": "甲", "target": "100%", "actual": "100%", "weight": 40, "score": 40}],
        evaluation={"framework": "hubei", "total_weight": 100, "total_score": 58, "grade": "差",
                    "execution_rate": "90%", "execution_weight": 20, "execution_score": 18})
    t = rescore(ds, "national_2020").totals.iloc[0]
    assert t["framework"] == "hubei" and t["execution_score"] == 18 and t["total"] == 58


def test_seed_rescore():
    card = rescore(perfeval.load())
    t = card.totals[card.totals["dept_id"] == "hyx-wxb"].iloc[0]
    assert t["execution_rate"] == pytest.approx(85.4561 / 85.8361)
    assert t["execution_score"] == pytest.approx(9.96)
    assert t["total_reported"] == 91 and t["total_items_reported"] == 100
    # 产出 9.8+9.8+9.5+9.8+10 = 48.9; 效益 capped at 30; 满意度 9.5; execution 9.96
    assert t["total"] == pytest.approx(48.9 + 30 + 9.5 + 9.96)
    assert t["grade"] == "优" and t["grade_reported_normalised"] == "优"
    ind = card.indicators[card.indicators["dept_id"] == "hyx-wxb"].set_index("seq")
    assert ind.loc[5, "rule"] == "预算" and ind.loc[5, "score"] == 10
    assert pd.isna(ind.loc[7, "score"]) and bool(ind.loc[7, "shortfall"])


def test_rescore_does_not_mutate(tmp_path):
    ds = perfeval.load()
    before = {n: getattr(ds, n).copy(deep=True) for n in ("finance", "indicators", "evaluations", "staffing")}
    rescore(ds, "hunan_legacy")
    for n, df in before.items():
        pd.testing.assert_frame_equal(getattr(ds, n), df)


# ---------------------------------------------------------------- one comparison rule (thresholds)


def test_execution_tier_boundary_is_exact(tmp_path):
    # 2.014 / 2.12 is 94.99999999999999%: an exact 95%, the top tier
    fw = load_framework("hunan_legacy")
    assert score_execution(2.014 / 2.12, fw)[0] == 10
    ds = make_dataset(tmp_path, [{"level1": "产出", "name": "甲", "target": "100%", "actual": "100%", "weight": 30, "score": 30}],
                      finance=[{"item": "年度资金总额", "initial_budget": 2.12, "adjusted_budget": 2.12, "actual": 2.014}],
                      evaluation={"total_weight": 100, "total_score": 40, "grade": "差", "execution_rate": "95%",
                                  "execution_weight": 10, "execution_score": 10})
    card = rescore(ds, "hunan_legacy")
    assert card.totals.iloc[0]["execution_score"] == 10
    found = perfeval.check(ds, "hunan_legacy", scorecard=card)
    assert "execution_score_mismatch" not in set(found["code"])


def test_adjustment_tier_boundary_is_exact(tmp_path):
    # |0.77 − 0.7| / 0.7 is 10.000000000000009%: exactly 10%, the (0,10%] tier (2 of 3 points)
    ds = make_dataset(tmp_path, [{"level1": "投入", "name": "预算调整率", "target": "≤10%", "actual": "10%", "weight": 3, "score": 2}],
                      finance=[{"item": "年度资金总额", "initial_budget": 0.7, "adjusted_budget": 0.77, "actual": 0.77}])
    card = rescore(ds, "hunan_legacy")
    row = card.indicators.iloc[0]
    assert row["score"] == 2, row["basis"]
    found = perfeval.check(ds, "hunan_legacy", scorecard=card)
    assert "indicator_score_mismatch" not in set(found["code"])


@pytest.mark.parametrize("total,grade", [(89.99999999999999, "优"), (90, "优"), (89.99, "良"),
                                         (0.1 + 0.2 + 79.7, "良"), (59.999999999999, "中"), (59.9, "差")])
def test_grade_thresholds_hit_exactly(total, grade):
    assert load_framework().grade_for(total) == grade


# ---------------------------------------------------------------- targets of any sign and zero


@pytest.mark.parametrize("target,actual,score,shortfall", [
    ("≤-5%", "-3%", 6.0, True),      # 2 points over a target of size 5: loses 40%
    ("≤-5%", "-6%", 10.0, False),
    ("≥-5%", "-10%", 0.0, True),     # 5 below a target of size 5: loses all
    ("≥-5%", "-4%", 10.0, False),
    ("≥-5%", "0%", 10.0, False),     # met: no -0.0 shortfall
    ("≥-5%", "-6%", 8.0, True),
    ("≤0%", "0%", 10.0, False),
    ("≤0%", "1%", 0.0, True),
    ("≥0%", "-1%", 0.0, True),
])
def test_negative_and_zero_targets(tmp_path, target, actual, score, shortfall):
    r = one(tmp_path, target, actual)
    assert r["score"] == pytest.approx(score), r["basis"]
    assert 0 <= r["score"] <= 10
    assert bool(r["shortfall"]) is shortfall


def test_over_budget_with_zero_budget_scores_zero(tmp_path):
    ds = make_dataset(tmp_path, [{"level1": "产出", "name": "基本支出", "target": "不突破预算", "actual": "超支",
                                  "weight": 10, "score": 10}],
                      finance=[{"item": "年度资金总额", "adjusted_budget": 10, "actual": 10},
                               {"item": "基本支出", "adjusted_budget": 0, "actual": 1}])
    r = rescore(ds).indicators.iloc[0]
    assert r["score"] == 0 and bool(r["shortfall"])


# ---------------------------------------------------------------- fractions


def test_small_percentage_target_bare_number_is_percent(tmp_path):
    r = one(tmp_path, "≤1%", "0.5")
    assert r["score"] == 10 and not bool(r["shortfall"]), r["basis"]


def test_large_percentage_target_bare_fraction(tmp_path):
    r = one(tmp_path, "≥95%", "0.98")
    assert r["score"] == 10 and r["ratio"] == pytest.approx(98 / 95)


# ---------------------------------------------------------------- qualitative text


@pytest.mark.parametrize("actual,band", [
    ("零差错", "达成"), ("无差错", "达成"), ("全年零差错", "达成"),
    ("尚未全部完成", "未达成"), ("质量不高", "未达成"), ("未提升", "未达成"), ("没有按期完成", "未达成"),
    ("无法完成", "未达成"), ("未能达成预期", "未达成"),
    ("不断提升", "达成"), ("基本完成，效果较好", "部分达成"),
])
def test_qualitative_negation(tmp_path, actual, band):
    ds = make_dataset(tmp_path, [{"level1": "效益", "name": "定性甲", "target": "有效提升", "actual": actual,
                                  "weight": 10, "score": 9, "direction": "定性"}])
    r = rescore(ds).indicators.iloc[0]
    assert r["band"] == band, r["basis"]
    assert "完成值中「" in r["basis"]  # the deciding phrase is named


def test_qualitative_basis_names_negation(tmp_path):
    ds = make_dataset(tmp_path, [{"level1": "效益", "name": "定性甲", "target": "有效提升", "actual": "尚未全部完成",
                                  "weight": 10, "score": 9, "direction": "定性"}])
    r = rescore(ds).indicators.iloc[0]
    assert "「全部完成」前有否定「尚未」" in r["basis"] and r["score"] == 6


# ---------------------------------------------------------------- invariants (hypothesis)


_NUM = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 4))
_RULE = st.sampled_from(["≥", "≤", "="])


def _score(rule: str, achieved: float, target: float, weight: float) -> float:
    row = SimpleNamespace(weight=weight, score=None, rule=rule, target=f"{rule}{target}", actual=str(achieved),
                          name="指标", level1="产出", target_kind="quantitative", actual_kind="quantitative",
                          target_value=target, actual_value=achieved, target_unit="个", actual_unit="个",
                          actual_vague=False, direction=None)
    return score_indicator(row, load_framework(), {})["score"]


@given(_RULE, _NUM, _NUM, st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2)))
def test_score_is_between_zero_and_weight(rule, achieved, target, weight):
    s = _score(rule, achieved, target, weight)
    assert 0 <= s <= weight
    assert 0 <= shortfall_share(rule, achieved, target) <= 1


@given(_RULE, _NUM, _NUM, st.floats(0, 1e3, allow_nan=False))
def test_better_achievement_never_lowers_the_score(rule, achieved, target, gain):
    better = achieved - gain if rule == "≤" else achieved + gain
    if rule == "=" and target == 0:
        return  # exactly zero is the only full score: "better" has no direction
    assert _score(rule, better, target, 10) >= _score(rule, achieved, target, 10)


@given(_RULE, _NUM)
def test_achieving_the_target_exactly_scores_full(rule, target):
    assert _score(rule, target, target, 10) == 10
    # and so does the target computed with binary noise
    noisy = target * 3 / 3 + (target * 1e-13)
    assert _score(rule, noisy, target, 10) == 10


@given(st.integers(0, 10_000))
def test_execution_tier_boundaries_hit_exactly(cents):
    # an execution rate exactly at a tier bound, however it was computed, is in the upper tier
    fw = load_framework("hunan_legacy")
    for bound, share in ((95, 1.0), (90, 0.8), (80, 0.6)):
        budget = 1 + cents / 100
        rate = (budget * bound / 100) / budget
        assert score_execution(rate, fw)[0] == share * fw.execution.weight


@given(st.sampled_from([90, 80, 60]), st.integers(1, 1000))
def test_grade_boundaries_hit_exactly(bound, parts):
    total = sum([bound / parts] * parts)  # the bound, reached with rounding noise
    assert load_framework().grade_for(total) == {90: "优", 80: "良", 60: "中"}[bound]


_ACHIEVEMENT = ["完成", "全部完成", "达成", "达成预期", "提升", "有效提升", "按期完成", "提高", "改善", "高", "好"]
_NEGATION = ["未", "不", "尚未", "没有", "无法", "未能"]


@given(st.sampled_from(_NEGATION), st.sampled_from(["", "全部", "按期", "有效"]), st.sampled_from(_ACHIEVEMENT),
       st.sampled_from(["", "工作", "任务，", "质量"]))
def test_negation_never_scores_as_achieved(neg, adverb, word, prefix):
    fw = load_framework()
    m = fw.match_band(prefix + neg + adverb + word)
    top = max(fw.qualitative, key=lambda b: b.high)
    assert m is None or m.band != top, (prefix + neg + adverb + word, m)
def test_items_that_cannot_be_rescored_are_counted_and_leave_no_grade(tmp_path, capsys):
    from perfeval import cli

    tables = {
        "departments": [{"dept_id": "d1", "name": "甲局", "region": "乙县"}],
        "indicators": [
            {"level1": "产出", "level2": "数量指标", "name": "甲", "target": "100%", "actual": "100%", "weight": 50, "score": 50},
            {"level1": "效益", "level2": "社会效益指标", "name": "乙", "target": "100%", "actual": "较好", "weight": 40, "score": 38},
        ],
    }
    ds = load_dept_year(tmp_path / "ds", tables, "d1", 2022)
    tot = perfeval.rescore(ds).totals.iloc[0]
    assert tot["unscored"] == 1 and pd.isna(tot["grade"])
    assert cli.main(["score", str(tmp_path / "ds")]) == 0
    err = capsys.readouterr().err
    assert "1 项有分值的指标无法复核" in err and "甲局 2022年（1项）" in err and "未评等级" in err
    text = department_summary(ds, "d1", 2022, scorecard=perfeval.rescore(ds)).text
    assert "有1项有分值的指标无法复核" in text and "不评定等级" in text  # the partial total is said to be partial


def test_a_form_without_targets_and_achievements_gets_no_total_not_zero(tmp_path):
    """A form that gives only 分值 and 得分 (no 指标值, no 完成值) cannot be re-scored: the re-scored total is
    NA (it was 0.0, which a reader takes for a failing score) and the summary says why."""
    tables = {
        "departments": [{"dept_id": "d1", "name": "甲局", "region": "乙县"}],
        "indicators": [
            {"level1": "决策", "level2": "目标设定", "name": "甲", "target": "", "actual": "", "weight": 40, "score": 38},
            {"level1": "过程", "level2": "资金管理", "name": "乙", "target": "", "actual": "", "weight": 60, "score": 55},
        ],
    }
    ds = load_dept_year(tmp_path / "ds", tables, "d1", 2022)
    card = perfeval.rescore(ds)
    tot = card.totals.iloc[0]
    assert tot["unscored"] == 2 and pd.isna(tot["total"]) and pd.isna(tot["grade"])
    text = department_summary(ds, "d1", 2022, scorecard=card).text
    assert "有分值的2项指标均无法复核" in text and "未得出复核总分" in text and "总分0" not in text


@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                          st.integers(-10**9, 10**9).map(lambda c: c / 1000),
                          st.integers(-10**6, 10**6).map(lambda c: (c + 0.5) / 100)), min_size=1, max_size=40),
       st.integers(0, 10))
def test_whole_array_rounding_is_pythons_round(values, decimals):
    """_round_each gives Python's round(v, d) (not numpy's) for every value, halves and the sign of zero included."""
    import numpy as np

    from perfeval._format import round_each as _round_each

    x = np.array(values, dtype=float)
    for d in (decimals, np.arange(len(x)) % 11):
        got = _round_each(x, d)
        dl = np.broadcast_to(d, x.shape)
        want = np.array([np.nan if v != v else round(float(v), int(p)) for v, p in zip(x.tolist(), dl.tolist())])
        assert ((got == want) | (np.isnan(got) & np.isnan(want))).all()
        assert (np.signbit(got) == np.signbit(want)).all()


@given(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(["达成", "≥95%", "", "完成"])),
                          st.one_of(st.none(), st.sampled_from(["达成", "100%", "", "未完成"]))), max_size=30))
def test_pair_codes_give_back_every_pair_blanks_included(pairs):
    """The (achieved, target) text pairs are coded once; decoding gives each row's pair back, a missing
    text on either side included (a missing one once took its neighbour's text or ran off the list)."""
    import numpy as np

    from perfeval._scoring import _pair_codes

    left = np.array([a for a, _ in pairs], dtype=object)
    right = np.array([b for _, b in pairs], dtype=object)
    codes, uniq = _pair_codes(left, right)
    assert [uniq[c] for c in codes] == pairs
    assert len(set(uniq)) == len(uniq)
