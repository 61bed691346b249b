"""Tests for perfeval._narrative: formatting helpers and the Chinese paragraphs."""
from __future__ import annotations

import re

import pandas as pd
import pytest

import perfeval
from perfeval._narrative import (MISSING, Narrative, comparison_summary, department_summary,
                                 findings_summary, fmt_count, fmt_pct, fmt_score, fmt_wan,
                                 format_table, trend_summary)


@pytest.fixture(scope="module")
def lib():
    ds = perfeval.load()
    return {"ds": ds, "m": perfeval.metrics(ds), "sc": perfeval.rescore(ds), "f": perfeval.check(ds)}


@pytest.mark.parametrize("value, expected", [
    (85.4561, "85.4561万元"), (0.38, "0.3800万元"), (1234.5, "1234.5000万元"),
    (None, MISSING), (pd.NA, MISSING), (float("nan"), MISSING),
])
def test_fmt_wan(value, expected):
    assert fmt_wan(value) == expected


@pytest.mark.parametrize("value, expected", [
    (0.995573, "99.56%"), (1, "100.00%"), (0.05555, "5.56%"), (-0.0306, "-3.06%"), (None, MISSING),
])
def test_fmt_pct(value, expected):
    assert fmt_pct(value) == expected


def test_fmt_score_and_count():
    assert fmt_score(91.0) == "91分" and fmt_score(9.75) == "9.75分" and fmt_score(pd.NA) == MISSING
    assert fmt_count(pd.array([12], dtype="Int64")[0], "人") == "12人"


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


def _allowed(facts: dict) -> set[str]:
    out: set[str] = set()
    for v in facts.values():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            for f in (fmt_wan, fmt_pct, fmt_score, fmt_count, lambda x: fmt_wan(abs(x))):
                out.update(_numbers(f(v)))
    return out


def test_seed_summary_states_the_metrics(lib):
    n = department_summary(lib["ds"], "hyx-wxb", 2021, metrics=lib["m"], scorecard=lib["sc"], findings=lib["f"])
    row = lib["m"].set_index(["dept_id", "year"]).loc[("hyx-wxb", 2021)]
    assert f"全年执行{fmt_wan(row['actual'])}" in n.text
    assert f"预算执行率{fmt_pct(row['execution_rate'])}" in n.text
    assert "（自评表填报98.00%）" in n.text
    assert "项目支出未填报" in n.text  # blank stays blank, not 0
    assert "基本支出执行数增加" in n.text  # YoY on 基本支出, the only prior figure the seed has
    assert n.facts["execution_rate"] == pytest.approx(float(row["execution_rate"]))
    assert n.facts["staff_actual"] == 12 and isinstance(n.facts["staff_actual"], int)
    n_findings = int(((lib["f"]["dept_id"] == "hyx-wxb") & (lib["f"]["year"] == 2021)).sum())
    assert f"复核发现问题{n_findings}项" in n.text
    assert set(_numbers(n.text)) <= _allowed(n.facts)


def test_over_quota_year_says_so(lib):
    n = department_summary(lib["ds"], "demo-wjw", 2022, metrics=lib["m"])
    assert "（超编）" in n.text and n.facts["staff_control_rate"] > 1


def test_personal_data_never_appears(lib):
    n = department_summary(lib["ds"], "hyx-wxb", 2021, metrics=lib["m"], scorecard=lib["sc"], findings=lib["f"])
    assert "填表人" not in n.text and not re.search(r"1[3-9]\d{9}", n.text)


def test_unknown_department_year():
    ds = perfeval.load()
    with pytest.raises(KeyError, match="没有部门 'nope' 在 2021 年度的数据"):
        department_summary(ds, "nope", 2021)


def test_comparison_extremes(lib):
    n = comparison_summary(lib["ds"], 2021, metrics=lib["m"], scorecard=lib["sc"])
    m21 = lib["m"][lib["m"]["year"] == 2021].set_index("dept_id")
    best = m21["execution_rate"].idxmax()
    assert n.facts["execution_rate_max_dept"] == best
    assert f"{m21.loc[best, 'name']}（{fmt_pct(m21.loc[best, 'execution_rate'])}）" in n.text
    assert n.facts["n_departments"] == len(m21) and n.facts["n_examples"] == int(m21["is_example"].sum())
    assert set(_numbers(n.text)) <= _allowed(n.facts)


def test_comparison_restricted_to_chosen(lib):
    n = comparison_summary(lib["ds"], 2021, ["demo-fl", "demo-czj"], metrics=lib["m"])
    assert n.facts["n_departments"] == 2 and "网信办" not in n.text


def test_trend_single_year_and_many_years(lib):
    one = trend_summary(lib["ds"], "hyx-wxb", metrics=lib["m"])
    assert "无法分析趋势" in one.text
    many = trend_summary(lib["ds"], "demo-wjw", metrics=lib["m"], scorecard=lib["sc"])
    w = lib["m"][lib["m"]["dept_id"] == "demo-wjw"].sort_values("year")
    a0, a1 = float(w["actual"].iloc[0]), float(w["actual"].iloc[-1])
    assert many.facts["growth_rate"] == pytest.approx((a1 - a0) / a0)
    assert "2022年超编" in many.text
    assert set(_numbers(many.text)) <= _allowed(many.facts)


def test_findings_summary_counts(lib):
    f = lib["f"]
    n = findings_summary(f, "demo-fl", 2020)
    sub = f[(f["dept_id"] == "demo-fl") & (f["year"] == 2020)]
    assert n.facts["findings_total"] == len(sub)
    assert "deduction_without_shortfall" in n.text
    assert findings_summary(f.iloc[0:0]).text == "复核未发现问题。"


def test_format_table_blanks_and_errors():
    df = pd.DataFrame({"a": pd.array([1.5, None], dtype="Float64"), "b": ["x", None]})
    out = format_table(df, {"a": ("金额", "wan"), "b": ("说明", "text")})
    assert out.to_dict("list") == {"金额": ["1.5000万元", MISSING], "说明": ["x", MISSING]}
    with pytest.raises(KeyError, match="表格缺少列：c"):
        format_table(df, {"c": ("丙", "wan")})
    with pytest.raises(ValueError, match="未知的格式 'money'"):
        format_table(df, {"a": ("甲", "money")})


def test_inputs_not_mutated(lib):
    m = lib["m"].copy()
    f = lib["f"].copy()
    department_summary(lib["ds"], "hyx-wxb", 2021, metrics=m, scorecard=lib["sc"], findings=f)
    comparison_summary(lib["ds"], 2021, metrics=m, scorecard=lib["sc"])
    pd.testing.assert_frame_equal(m, lib["m"])
    pd.testing.assert_frame_equal(f, lib["f"])


def test_narrative_renders_as_markdown():
    n = Narrative("甲", {"x": 1})
    assert n._repr_markdown_() == "甲" and str(n) == "甲"
