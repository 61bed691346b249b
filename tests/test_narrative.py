"""Tests for perfeval._narrative: formatting helpers and the Chinese paragraphs."""
from __future__ import annotations

import re

import pandas as pd
import pytest

import perfeval
from perfeval._checks import CATALOGUE
from perfeval._narrative import (MISSING, Narrative, ReportTable, comparison_summary, department_position,
                                 department_summary, finding_title, findings_summary, fmt_count, fmt_pct,
                                 fmt_score, fmt_wan, format_table, report_table, trend_summary)


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
    # kinds are named by their Chinese title from the catalogue, never by the English code
    assert CATALOGUE["deduction_without_shortfall"][1] in n.text
    assert not re.search(r"[a-z]+_[a-z_]+", n.text), n.text
    assert n.facts["code_deduction_without_shortfall"] == int((sub["code"] == "deduction_without_shortfall").sum())
    assert findings_summary(f.iloc[0:0]).text == "复核未发现问题。"


def test_findings_summary_never_shows_codes(lib):
    n = findings_summary(lib["f"], "hyx-wxb", 2021, top=50)
    for code in lib["f"].loc[lib["f"]["dept_id"] == "hyx-wxb", "code"].unique():
        assert code not in n.text
        assert f"{finding_title(code)}（{n.facts['code_' + code]}项）" in n.text
    assert finding_title("no_such_code") == "no_such_code" and finding_title(None) == MISSING


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


# --------------------------------------------------------------------------- report tables
def _cells(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<td class="([a-z ]+)">(.*?)</td>', html, re.S)


def test_report_table_aligns_and_never_truncates(lib):
    f = lib["f"][lib["f"]["dept_id"] == "hyx-wxb"].reset_index(drop=True)
    longest = max(f["message"], key=len)
    assert len(longest) > 60  # longer than pandas' 50-character display cut
    t = report_table(f, {"severity": ("级别", "text"), "code": ("问题", "finding"),
                         "location": ("位置", "long"), "message": ("说明", "long")}, index=True)
    assert isinstance(t, ReportTable) and len(t) == len(f)
    assert t.classes == ("text", "long", "long", "long")  # titles are > LONG_TEXT characters
    html = t.to_html()
    import html as h
    for col in ("message", "location"):  # every text in full, none cut short
        assert all(h.escape(text) in html for text in f[col]), col
    assert "_" not in "".join(t.frame["问题"])  # Chinese titles, no code
    assert set(t.frame["问题"]) == {CATALOGUE[c][1] for c in f["code"]}
    cells = _cells(html)
    assert cells[0] == ("num", "1") and cells[1] == ("text", f["severity"].iloc[0])
    assert '<th class="num nowrap">序号</th>' in html and 'class="perfeval-table wide"' in html


def test_report_table_number_columns_and_units(lib):
    m = lib["m"][lib["m"]["year"] == 2021].reset_index(drop=True)
    cols = {"name": ("部门", "text"), "actual": ("全年执行数", "wan"), "execution_rate": ("执行率", "pct"),
            "staff_actual": ("实际在职人数", "count")}
    t = report_table(m, cols, units="header")
    assert t.classes == ("text", "num", "num", "num")
    assert t.frame.columns.tolist() == ["部门", "全年执行数（万元）", "执行率", "实际在职人数"]
    assert t.frame["全年执行数（万元）"].tolist() == [fmt_wan(x).removesuffix("万元") for x in m["actual"]]
    c = report_table(m, cols, units="caption")
    assert c.units_note == "金额单位：万元" and "金额单位：万元" in c.to_html()
    assert c.frame.columns.tolist()[1] == "全年执行数"
    # a text column holding numbers ("100%", "≥98%") is right-aligned like numbers
    ind = lib["ds"].indicators
    ind = ind[(ind["dept_id"] == "hyx-wxb") & (ind["year"] == 2021) & (ind["seq"] != 5)]
    assert report_table(ind, {"target": ("指标值", "text")}).classes == ("num",)
    with pytest.raises(ValueError, match="units 应为"):
        report_table(m, cols, units="both")
    with pytest.raises(KeyError, match="widths 中的列不在 columns 中：nope"):
        report_table(m, cols, widths={"nope": "10%"})
    pd.testing.assert_frame_equal(m, lib["m"][lib["m"]["year"] == 2021].reset_index(drop=True))


def test_report_table_escapes_html():
    t = report_table(pd.DataFrame({"a": ["<b>x</b> & y"]}), {"a": ("甲", "text")})
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in t.to_html() and "<b>" not in t.to_html()


def test_department_position_ranks(lib):
    n = department_position(lib["ds"], "hyx-wxb", 2021, metrics=lib["m"], scorecard=lib["sc"])
    m21 = lib["m"][(lib["m"]["year"] == 2021) & lib["m"]["actual"].notna()].set_index("dept_id")
    t21 = lib["sc"].totals[lib["sc"].totals["year"] == 2021].set_index("dept_id")["total"].astype(float)
    assert n.facts["n_departments"] == len(m21)
    assert n.facts["execution_rate_rank"] == int(m21["execution_rate"].astype(float).rank(ascending=False, method="min")["hyx-wxb"])
    assert n.facts["total_rank"] == int(t21.rank(ascending=False, method="min")["hyx-wxb"])
    assert f"复核总分排第{n.facts['total_rank']}位" in n.text and fmt_score(t21.max()) in n.text
    assert set(_numbers(n.text)) <= _allowed(n.facts)
    alone = department_position(lib["ds"], "hyx-wxb", 2020, metrics=lib["m"])
    assert alone.text == ""
