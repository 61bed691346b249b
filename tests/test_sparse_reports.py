"""Every chart, narrative, workbook and report survives sparse and odd datasets.

Analysts' datasets are full of blanks: only 附件1-1, no indicators, no evaluation,
a department with only a prior-year figure, a blank reported total, blank weights,
one department, amounts in 元, a quota of 0. Each dataset below is run through
every chart function, every narrative function, the three workbook exporters and
(for a few) ``perfeval all``; nothing may fail, warn, or print ``nan``/``None``, and
a blank value reads 未填报.
"""
from __future__ import annotations

import html
import re
import warnings
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

import perfeval
from perfeval import _charts as C
from perfeval import _narrative as N
from perfeval import _xlsx as X
from perfeval._narrative import MISSING, fmt_pct, fmt_wan

from conftest import HOLEY, MINIMAL, write_tables

pytestmark = pytest.mark.e2e


def _dept(dept_id: str, name: str) -> dict[str, object]:
    return {"dept_id": dept_id, "name": name, "region": "某县"}


#: name → tables; each one a kind of hole an imported report really has.
DATASETS: dict[str, dict[str, list[dict[str, object]]]] = {
    "holey": HOLEY,
    "minimal": MINIMAL,
    # 附件1-1 only, one department: no staffing, indicators, goals or evaluation.
    "finance_only": {
        "departments": [_dept("f1", "资金局")],
        "finance": [{"dept_id": "f1", "year": 2022, "item": "年度资金总额", "initial_budget": 50,
                     "adjusted_budget": 60, "actual": 55}],
    },
    "indicators_no_eval": {
        "departments": [_dept("i1", "指标局")],
        "finance": [{"dept_id": "i1", "year": 2022, "item": "年度资金总额", "actual": 30}],
        "indicators": [
            {"dept_id": "i1", "year": 2022, "level1": "产出", "level2": "数量指标", "name": "完成率",
             "target": "≥95%", "actual": "96%", "weight": 20, "score": 20},
            {"dept_id": "i1", "year": 2022, "level1": "效益", "level2": "社会效益", "name": "满意度",
             "target": "≥90%", "actual": "80%", "weight": 10, "score": 10},
        ],
    },
    # Reported total score and grade blank (two departments with the same figures: ties).
    "blank_eval": {
        "departments": [_dept("e1", "评价局"), _dept("e2", "另评局")],
        "finance": [{"dept_id": d, "year": 2022, "item": "年度资金总额", "adjusted_budget": 100, "actual": 90}
                    for d in ("e1", "e2")],
        "indicators": [{"dept_id": d, "year": 2022, "level1": "产出", "level2": "数量指标", "name": "完成率",
                        "target": "100%", "actual": "100%", "weight": 90, "score": 90} for d in ("e1", "e2")],
        "evaluations": [{"dept_id": d, "year": 2022, "framework": "", "total_weight": 100, "total_score": "",
                         "grade": "", "execution_rate": "", "execution_weight": 10, "execution_score": ""}
                        for d in ("e1", "e2")],
    },
    # Every indicator weight and score blank.
    "blank_weights": {
        "departments": [_dept("w1", "权重局"), _dept("w2", "无权局")],
        "finance": [{"dept_id": d, "year": 2022, "item": "年度资金总额", "actual": 10} for d in ("w1", "w2")],
        "indicators": [{"dept_id": d, "year": 2022, "level1": l1, "level2": "", "name": f"指标{k}",
                        "target": "≥90%", "actual": "95%", "weight": "", "score": ""}
                       for d in ("w1", "w2") for k, l1 in enumerate(("产出", "效益", "满意度"), start=1)],
        "evaluations": [{"dept_id": d, "year": 2022, "total_score": "", "grade": ""} for d in ("w1", "w2")],
    },
    # A department whose only row is a prior-year 基本支出 actual.
    "prior_basic_only": {
        "departments": [_dept("p1", "正常局"), _dept("p2", "上年局")],
        "finance": [{"dept_id": "p1", "year": 2022, "item": "年度资金总额", "adjusted_budget": 100, "actual": 95},
                    {"dept_id": "p2", "year": 2021, "item": "基本支出", "actual": 40}],
        "staffing": [{"dept_id": "p1", "year": 2022, "quota": 10, "actual": 9}],
    },
    # A year where no department has a total (so no year has one: comparison falls back).
    "no_total_year": {
        "departments": [_dept("n1", "无总局"), _dept("n2", "缺总局")],
        "finance": [{"dept_id": "n1", "year": 2022, "item": "基本支出", "actual": 20},
                    {"dept_id": "n1", "year": 2022, "item": "项目支出", "actual": 5},
                    {"dept_id": "n2", "year": 2022, "item": "年度资金总额", "adjusted_budget": 30, "actual": ""}],
        "staffing": [{"dept_id": "n2", "year": 2022, "quota": 0, "actual": 0}],
    },
    # One department, amounts in 元, a quota of 0, a year with staffing only and a blank quota.
    "yuan_zero_quota": {
        "departments": [_dept("y1", "元局")],
        "finance": [{"dept_id": "y1", "year": 2022, "item": "年度资金总额", "adjusted_budget": 1200000,
                     "actual": 1100000, "unit": "元"},
                    {"dept_id": "y1", "year": 2022, "item": "基本支出", "actual": 800000, "unit": "元"}],
        "staffing": [{"dept_id": "y1", "year": 2022, "quota": 0, "actual": 5, "retired": 0},
                     {"dept_id": "y1", "year": 2021, "quota": "", "actual": 4, "retired": ""}],
    },
}

#: What a blank must never read as in a report.
LEAK = re.compile(r"\bnan\b|\bNaN\b|<NA>|\bNone\b|\bNaT\b|\bnull\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sparse")
    return {name: write_tables(root / name, tables) for name, tables in DATASETS.items()}


@pytest.fixture(scope="module")
def libs(folders) -> dict[str, dict]:
    out = {}
    for name, folder in folders.items():
        ds = perfeval.load(folder)
        card = perfeval.rescore(ds)
        out[name] = {
            "ds": ds, "m": perfeval.metrics(ds), "im": perfeval.item_metrics(ds), "sc": card,
            "findings": perfeval.check(ds, scorecard=card),
            "names": dict(zip(ds.departments["dept_id"], ds.departments["name"])),
        }
    return out


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


#: The chart functions (everything in ``perfeval.charts`` that draws from frames).
CHART_FUNCTIONS = sorted(set(C.__all__) - {"WIDTH_IN", "DPI", "new_figure", "show", "to_png"})


def _chart_calls(lib: dict) -> list[tuple[str, str, object]]:
    """(function name, label, thunk) for every chart on every slice the reports draw."""
    ds, m, im, sc, names = lib["ds"], lib["m"], lib["im"], lib["sc"], lib["names"]
    calls: list[tuple[str, str, object]] = []
    add = lambda fn, label, thunk: calls.append((fn, label, thunk))  # noqa: E731
    for _, row in m.iterrows():
        add("funds_chart", f"{row['dept_id']} {row['year']}", lambda row=row: C.funds_chart(row))
    for y in sorted(int(y) for y in m["year"].unique()):
        my = m[m["year"] == y]
        add("composition_chart", str(y), lambda my=my: C.composition_chart(my))
        add("execution_rate_chart", str(y), lambda my=my: C.execution_rate_chart(my))
        add("staffing_chart", str(y), lambda my=my: C.staffing_chart(my))
        add("per_capita_chart", str(y), lambda my=my: C.per_capita_chart(my, names))
        add("category_heatmap", str(y),
            lambda y=y: C.category_heatmap(sc.categories[sc.categories["year"] == y], names))
        add("ranking_chart", str(y), lambda y=y: C.ranking_chart(sc.totals[sc.totals["year"] == y], names))
    for d in ds.departments["dept_id"]:
        h = m[m["dept_id"] == d]
        add("composition_chart", d, lambda h=h: C.composition_chart(h))
        add("execution_rate_chart", d, lambda h=h: C.execution_rate_chart(h, by="year"))
        add("staffing_chart", d, lambda h=h: C.staffing_chart(h, by="year"))
        add("yoy_chart", d, lambda d=d: C.yoy_chart(m, d))
        add("spending_by_item_chart", d, lambda d=d: C.spending_by_item_chart(im, d, names=names))
        for y in ds.years(d):
            ind = sc.indicators[(sc.indicators["dept_id"] == d) & (sc.indicators["year"] == y)]
            add("indicator_scores_chart", f"{d} {y}", lambda ind=ind: C.indicator_scores_chart(ind))
    add("score_history_chart", "all", lambda: C.score_history_chart(sc.totals, names))
    add("rates_history_chart", "all", lambda: C.rates_history_chart(m))
    add("staffing_history_chart", "all", lambda: C.staffing_history_chart(m))
    return calls


# --------------------------------------------------------------------------- charts
@pytest.mark.parametrize("name", list(DATASETS))
def test_every_chart_renders_without_warnings_or_leaks(libs, name):
    lib = libs[name]
    called = set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for fn, label, thunk in _chart_calls(lib):
            fig = thunk()
            assert C.to_png(fig).startswith(b"\x89PNG"), (fn, label)
            leaks = [t for t in _texts(fig) if LEAK.search(t)]
            assert leaks == [], (fn, label, leaks)
            called.add(fn)
    assert [str(w.message) for w in caught] == []
    assert called == set(CHART_FUNCTIONS)


def test_ranking_without_reported_totals_says_so(libs):
    """The reported failure: a scatter of reported totals that are all NA."""
    lib = libs["holey"]
    t = lib["sc"].totals
    assert t["total_reported"].isna().all()
    fig = C.ranking_chart(t, lib["names"])
    C.to_png(fig)
    ax = fig.axes[0]
    assert len(ax.collections) == 0  # no reported-total marks at all
    labels = [x.get_text() for x in ax.texts]
    assert len(labels) == len(t) and all(x.endswith("（自评未填报）") for x in labels)
    assert [p.get_width() for p in ax.patches] == sorted(t["total"].astype(float), reverse=True)


def test_ranking_marks_only_the_reported_totals_that_exist(libs):
    t = libs["blank_eval"]["sc"].totals
    t = t.assign(total_reported=pd.array([95.0, pd.NA], dtype="Float64"))
    fig = C.ranking_chart(t, libs["blank_eval"]["names"])
    C.to_png(fig)
    ax = fig.axes[0]
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == 1 and float(offsets[0][0]) == 95.0
    assert sum(x.get_text().endswith("（自评未填报）") for x in ax.texts) == 1


def test_staffing_blank_bars_say_not_reported(libs):
    m = libs["holey"]["m"]
    fig = C.staffing_chart(m)
    blanks = int(m["staff_quota"].isna().sum() + m["staff_actual"].isna().sum())
    assert blanks == 2
    assert [t.get_text() for t in fig.axes[0].texts].count(MISSING) == blanks


def test_comparison_charts_name_the_departments_left_out(libs):
    lib = libs["holey"]
    m = lib["m"]
    fig = C.execution_rate_chart(m)
    assert fig.get_supxlabel() == "预算执行率未填报：空值局"
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["另一局"]
    empty = C.per_capita_chart(m)
    assert _texts(empty) == ["无人均支出数据（空值局、另一局全年执行数或实际在职人数未填报）"]
    none = C.execution_rate_chart(libs["no_total_year"]["m"])
    assert _texts(none) == ["无执行率数据（无总局、缺总局预算执行率未填报）"]


def test_zero_execution_rate_label_is_visible(libs):
    m = libs["holey"]["m"]
    row = m[m["dept_id"] == "h2"]
    assert float(row["execution_rate"].iloc[0]) == 0.0
    fig = C.execution_rate_chart(row)
    label = next(t for t in fig.axes[0].texts if t.get_text() == fmt_pct(0))
    assert label.get_color() != "white"  # a white label on a zero-height bar is invisible


def test_indicator_chart_with_blank_scores(libs):
    sc = libs["blank_weights"]["sc"]
    ind = sc.indicators[sc.indicators["dept_id"] == "w1"]
    fig = C.indicator_scores_chart(ind)
    texts = [t.get_text().strip() for t in fig.axes[0].texts]
    assert texts.count("自评得分未填报") == len(ind) == int(ind["reported_score"].isna().sum())
    assert fig.axes[0].get_xlim()[0] == 0  # no negative points axis when every bar is blank


def test_yoy_and_spending_charts_mark_blanks(libs):
    fig = C.yoy_chart(libs["yuan_zero_quota"]["m"], "y1")  # 2021 has staffing only
    assert MISSING in [t.get_text() for t in fig.axes[0].texts]
    assert fmt_wan(110) in [t.get_text() for t in fig.axes[0].texts]
    lib = libs["no_total_year"]
    fig = C.spending_by_item_chart(lib["im"], "n1", names=lib["names"])
    assert fig.get_supxlabel() == "未填报：2022年 人员经费、公用经费"


# --------------------------------------------------------------------------- narrative
def _narratives(lib: dict) -> list[tuple[str, N.Narrative]]:
    ds, m, sc, f = lib["ds"], lib["m"], lib["sc"], lib["findings"]
    out = []
    for d in ds.departments["dept_id"]:
        for y in ds.years(d):
            out.append((f"summary {d} {y}", N.department_summary(ds, d, y, metrics=m, scorecard=sc, findings=f)))
            out.append((f"position {d} {y}", N.department_position(ds, d, y, metrics=m, scorecard=sc)))
            out.append((f"findings {d} {y}", N.findings_summary(f, d, y)))
        out.append((f"trend {d}", N.trend_summary(ds, d, metrics=m, scorecard=sc)))
    for y in ds.years():
        if (m["year"] == y).any():
            out.append((f"compare {y}", N.comparison_summary(ds, y, metrics=m, scorecard=sc)))
    return out


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_narrative_runs_and_says_not_reported(libs, name):
    lib = libs[name]
    m = lib["m"]
    for label, n in _narratives(lib):
        assert not LEAK.search(n.text), (label, n.text)
        if label.startswith("summary"):
            _, d, y = label.split()
            row = m[(m["dept_id"] == d) & (m["year"] == int(y))].iloc[0]
            for key, said, fmt in (("budget_initial", "年初预算", fmt_wan), ("budget_adjusted", "全年预算", fmt_wan),
                                   ("actual", "全年执行", fmt_wan), ("execution_rate", "预算执行率", fmt_pct)):
                expected = MISSING if pd.isna(row[key]) else fmt(row[key])
                assert f"{said}{expected}" in n.text, (label, key, n.text)


def test_comparison_never_calls_one_department_both_highest_and_lowest(libs):
    for name, lib in libs.items():
        for label, n in _narratives(lib):
            if label.startswith("compare"):
                for hi, lo in re.findall(r"最高的是(\S+?)（.*?最低的是(\S+?)（", n.text):
                    assert hi != lo, (name, n.text)


def test_comparison_names_blank_and_tied_values(libs):
    lib = libs["holey"]
    text = N.comparison_summary(lib["ds"], 2022, metrics=lib["m"], scorecard=lib["sc"]).text
    assert "预算执行率仅另一局有数据（0.00%），空值局全年预算数或全年执行数未填报。" in text
    assert "各部门全年执行数或实际在职人数未填报，人均支出无法测算。" in text
    lib = libs["blank_eval"]
    n = N.comparison_summary(lib["ds"], 2022, metrics=lib["m"], scorecard=lib["sc"])
    assert "预算执行率均为90.00%" in n.text and n.facts["execution_rate_max"] == pytest.approx(0.9)
    lib = libs["finance_only"]
    text = N.comparison_summary(lib["ds"], 2022, metrics=lib["m"], scorecard=lib["sc"]).text
    assert "资金局预算执行率91.67%" in text and "最高" not in text


def test_trend_without_any_total_goes_on_to_staffing_and_scores(libs):
    lib = libs["holey"]
    n = N.trend_summary(lib["ds"], "h1", metrics=lib["m"], scorecard=lib["sc"])
    assert n.text.startswith("空值局各年度全年执行数均未填报，无法分析支出趋势。")
    assert "复核总分" in n.text


def test_zero_quota_is_said_plainly(libs):
    lib = libs["yuan_zero_quota"]
    text = N.department_summary(lib["ds"], "y1", 2022, metrics=lib["m"]).text
    assert "编制0人，实际在职5人，编制数为0，财政供养人员控制率无法测算" in text
    assert "全年执行110.0000万元" in text  # 1 100 000 元


# --------------------------------------------------------------------------- workbooks
def _cells(path: Path) -> list[object]:
    wb = openpyxl.load_workbook(path)
    return [c.value for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_workbook_is_written(libs, name, tmp_path):
    ds = libs[name]["ds"]
    written = []
    for d, y in zip(ds.dept_years()["dept_id"], ds.dept_years()["year"]):
        written.append(X.export_department_xlsx(ds, d, int(y), tmp_path / f"{d}_{y}.xlsx"))
    for y in ds.years():
        written.append(X.export_compare_xlsx(ds, y, tmp_path / f"对比_{y}.xlsx"))
    written.append(X.export_xlsx(ds, tmp_path / "all.xlsx"))
    for path in written:
        assert path.exists()
        leaks = [v for v in _cells(path) if isinstance(v, str) and LEAK.search(v)]
        assert leaks == [], (path.name, leaks)


def test_prior_year_line_alone_gets_its_workbook(libs, tmp_path):
    ds = libs["prior_basic_only"]["ds"]
    assert ds.years("p2") == [2021]
    path = X.export_department_xlsx(ds, "p2", 2021, tmp_path / "p2.xlsx")
    assert 40 in [c.value for row in openpyxl.load_workbook(path)["附件1-1"].iter_rows() for c in row]
    path = X.export_compare_xlsx(ds, 2021, tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(path)["对比"]
    assert "上年局" in [c.value for c in ws["C"]]


# --------------------------------------------------------------------------- whole reports
def _html_text(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<img[^>]*>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("name", ["holey", "no_total_year", "prior_basic_only"])
def test_perfeval_all_writes_every_report(folders, libs, name, tmp_path, capsys):
    from perfeval.cli import main

    out = tmp_path / "out"
    formats = "html,xlsx" if name == "holey" else "html"
    code = main(["all", str(folders[name]), "-o", str(out), "--to", formats, "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    ds = libs[name]["ds"]
    stems = [f"部门报告_{ds.dept_name(d)}_{ds.years(d)[-1]}" for d in ds.departments["dept_id"]]
    stems += [f"部门对比_{ds.comparison_year()}", "趋势分析"]
    for stem in stems:
        page = out / f"{stem}.html"
        assert page.exists(), stem
        text = _html_text(page)
        assert MISSING in text, stem
        assert not LEAK.search(text), (stem, LEAK.search(text))
        nb = nbformat.read(out / f"{stem}.ipynb", as_version=4)
        noise = [o for c in nb.cells for o in c.get("outputs", [])
                 if o.get("output_type") == "error" or o.get("name") == "stderr"]
        assert noise == [], (stem, noise)  # no error and no (matplotlib) warning
    first = (out / f"{stems[0]}.html").read_text(encoding="utf-8")
    assert name != "holey" or re.search(r"年度资金总额</td>\s*<td[^>]*>—</td>", first)  # the root has no parent: not 未填报
    if "xlsx" in formats:
        assert (out / f"部门对比_{ds.comparison_year()}.xlsx").exists()
        for stem in stems[:-2]:
            assert (out / f"{stem}.xlsx").exists()
    compare = _html_text(out / f"部门对比_{ds.comparison_year()}.html")
    with_data = libs[name]["m"].query(f"year == {ds.comparison_year()}")
    assert f"{ds.comparison_year()}年度 · {len(with_data)}个部门" in compare
    blank = with_data[with_data["actual"].isna()]
    for d in blank["dept_id"]:  # a department without a total is listed, not silently dropped
        assert f"{ds.dept_name(d)}" in compare and "全年执行数未填报" in compare
