"""Execute every report notebook on the default data and check what it shows.

Each notebook runs once (one kernel each) with parameters injected after its
``parameters`` cell, papermill style. The checks: no error output, every expected
section heading, the expected number of charts, no font warnings on stderr, and the
narrative's numbers equal the library's metrics.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

import perfeval
from perfeval._narrative import (comparison_summary, department_summary, fmt_count, fmt_pct,
                                 fmt_score, fmt_wan, trend_summary)

pytestmark = pytest.mark.e2e

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

CASES = {
    "01_department_report": {
        "parameters": {"dataset": "", "dept_id": "hyx-wxb", "year": None, "framework": ""},
        "sections": ["摘要", "一、资金概况", "二、支出构成", "三、人员情况", "四、历年趋势",
                     "五、绩效指标复核", "六、复核发现", "七、综合分析"],
        "images": 6,
    },
    "02_compare_departments": {
        "parameters": {"dataset": "", "year": None, "dept_ids": [], "framework": ""},
        "sections": ["一、概览", "二、预算执行", "三、人均支出与支出构成", "四、复核总分、等级与排名",
                     "五、分类得分", "六、各部门复核发现"],
        "images": 6,
    },
    "03_trends": {
        "parameters": {"dataset": "", "dept_ids": ["demo-wjw", "demo-nync"], "framework": ""},
        "sections": ["一、概览", "二、分项支出", "三、预算执行率与调整率", "四、人员", "五、复核得分"],
        "images": 2 + 3,  # one spending chart per department + rates, staffing, scores
    },
    "04_explore": {
        "parameters": {"dataset": "", "framework": ""},
        "sections": ["使用说明"],
        "images": 0,  # charts live inside the widgets' Output areas
    },
}


def _execute(name: str, parameters: dict) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    from perfeval._run import inject_parameters

    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nb = inject_parameters(nb, parameters)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return nb


@pytest.fixture(scope="module")
def executed() -> dict[str, nbformat.NotebookNode]:
    return {name: _execute(name, case["parameters"]) for name, case in CASES.items()}


@pytest.fixture(scope="module")
def lib():
    ds = perfeval.load()
    return {"ds": ds, "m": perfeval.metrics(ds), "sc": perfeval.rescore(ds),
            "findings": perfeval.check(ds)}


def _outputs(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            yield cell, out


def _markdown_texts(nb) -> str:
    parts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    for _cell, out in _outputs(nb):
        data = out.get("data", {})
        parts.append(data.get("text/markdown", ""))
    return "\n".join(parts)


def _narrative(nb) -> str:
    texts = [out["data"]["text/markdown"] for cell, out in _outputs(nb)
             if "narrative" in cell.metadata.get("tags", []) and "text/markdown" in out.get("data", {})]
    assert len(texts) == 1, "narrative 单元格应恰好输出一段 Markdown"
    return texts[0]


def _number_tokens(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


def _allowed_tokens(facts: dict) -> set[str]:
    allowed: set[str] = set()
    for value in facts.values():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        for fmt in (fmt_wan, fmt_pct, fmt_score, fmt_count, lambda v: fmt_wan(abs(v))):
            allowed.update(_number_tokens(fmt(value)))
    return allowed


@pytest.mark.parametrize("name", list(CASES))
def test_no_errors_and_no_glyph_warnings(executed, name):
    nb = executed[name]
    errors = [f"{o.ename}: {o.evalue}" for _c, o in _outputs(nb) if o.output_type == "error"]
    assert errors == []
    stderr = "".join(o.text for _c, o in _outputs(nb) if o.output_type == "stream" and o.name == "stderr")
    assert "Glyph" not in stderr and "missing from" not in stderr, stderr


@pytest.mark.parametrize("name", list(CASES))
def test_sections_and_charts_present(executed, name):
    nb = executed[name]
    text = _markdown_texts(nb)
    for heading in CASES[name]["sections"]:
        assert f"## {heading}" in text, heading
    images = sum(1 for _c, o in _outputs(nb) if "image/png" in o.get("data", {}))
    assert images == CASES[name]["images"]


def test_department_narrative_numbers_equal_metrics(executed, lib):
    text = _narrative(executed["01_department_report"])
    ds, m = lib["ds"], lib["m"]
    expected = department_summary(ds, "hyx-wxb", 2021, metrics=m, scorecard=lib["sc"],
                                  findings=lib["findings"])
    assert text == expected.markdown  # the notebook shows the narrative escaped for Markdown
    row = m[(m["dept_id"] == "hyx-wxb") & (m["year"] == 2021)].iloc[0]
    for key in ("budget_initial", "budget_adjusted", "actual", "execution_rate", "carryover",
                "personnel", "public", "basic", "prior_actual", "yoy_change", "yoy_rate",
                "staff_quota", "staff_actual", "staff_control_rate", "per_capita_actual"):
        assert expected.facts[key] == pytest.approx(float(row[key])), key
        assert key in ("yoy_change",) or fmt_wan(row[key]) in text or fmt_pct(row[key]) in text \
            or fmt_count(row[key]) in text
    total = lib["sc"].totals.set_index(["dept_id", "year"]).loc[("hyx-wxb", 2021), "total"]
    assert fmt_score(total) in text
    assert set(_number_tokens(text)) <= _allowed_tokens(expected.facts)


def test_comparison_narrative_numbers_equal_metrics(executed, lib):
    nb = executed["02_compare_departments"]
    text = _narrative(nb)
    ds, m = lib["ds"], lib["m"]
    # year=None picks the year with the most departments: 2021 (seed + examples)
    assert "## 2021年度 · 6个部门" in _markdown_texts(nb)
    expected = comparison_summary(ds, 2021, None, metrics=m, scorecard=lib["sc"])
    assert text == expected.markdown
    m21 = m[m["year"] == 2021]
    assert expected.facts["execution_rate_max"] == pytest.approx(float(m21["execution_rate"].max()))
    assert expected.facts["per_capita_min"] == pytest.approx(float(m21["per_capita_actual"].min()))
    assert set(_number_tokens(text)) <= _allowed_tokens(expected.facts)


def test_trend_narrative_numbers_equal_metrics(executed, lib):
    text = _narrative(executed["03_trends"])
    ds, m = lib["ds"], lib["m"]
    parts = [trend_summary(ds, d, metrics=m, scorecard=lib["sc"]) for d in ("demo-wjw", "demo-nync")]
    assert text == "\n\n".join(p.text for p in parts)
    wjw = m[m["dept_id"] == "demo-wjw"].sort_values("year")
    assert parts[0].facts["actual_first"] == pytest.approx(float(wjw["actual"].iloc[0]))
    assert parts[0].facts["execution_rate_min"] == pytest.approx(float(wjw["execution_rate"].min()))
    for p in parts:
        assert set(_number_tokens(p.text)) <= _allowed_tokens(p.facts)


def test_example_departments_are_labelled(executed):
    text = _markdown_texts(executed["02_compare_departments"])
    assert "示例部门" in text and "示例·" in text


def test_department_report_without_projects_says_nothing_of_them(executed):
    """The seed has no project form: no project section, no empty project table."""
    text = _markdown_texts(executed["01_department_report"])
    assert "项目支出绩效自评" not in text and "项目绩效指标复核" not in text


@pytest.mark.parametrize("name", list(CASES))
def test_committed_notebooks_are_stripped_with_one_parameters_cell(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert set(CASES[name]["parameters"]) <= set(re.findall(r"^(\w+) =", tagged[0].source, re.M))


# --------------------------------------------------------------------------- report readability
def _ordered_texts(nb) -> list[str]:
    """Markdown sources and outputs (markdown and HTML) in document order."""
    out: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            out.append(cell.source)
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            out.append(data.get("text/markdown", "") + data.get("text/html", ""))
    return out


def _position(texts: list[str], needle: str) -> int:
    return next(i for i, t in enumerate(texts) if needle in t)


@pytest.mark.parametrize("name, first", [("01_department_report", "## 一、"),
                                         ("02_compare_departments", "## 二、"),
                                         ("03_trends", "## 二、")])
def test_summary_comes_before_the_sections(executed, name, first):
    nb = executed[name]
    texts = _ordered_texts(nb)
    narrative = _narrative(nb)
    assert _position(texts, narrative) < _position(texts, first)
    if name == "01_department_report":
        assert _position(texts, "## 摘要") < _position(texts, narrative) < _position(texts, "## 一、资金概况")


def _findings_table(nb) -> str:
    tables = [t for t in _ordered_texts(nb) if "<table" in t and ">说明</th>" in t]
    assert len(tables) == 1
    return tables[0]


def test_findings_table_has_chinese_titles_and_full_messages(executed, lib):
    import html

    from perfeval._checks import CATALOGUE

    table = _findings_table(executed["01_department_report"])
    f = lib["findings"]
    mine = f[(f["dept_id"] == "hyx-wxb") & ((f["year"] == 2021) | f["year"].isna())]
    assert len(mine) > 0
    for code in mine["code"].unique():
        assert code not in table  # no English code in the report
        assert html.escape(CATALOGUE[code][1]) in table
    for col in ("message", "location"):
        for text in mine[col]:
            assert html.escape(text) in table, text  # never truncated
    assert table.count("<tr>") == len(mine) + 1


def test_no_english_codes_anywhere_in_reports(executed, lib):
    from perfeval._checks import CATALOGUE

    for name in ("01_department_report", "02_compare_departments"):
        text = "\n".join(_ordered_texts(executed[name]))
        assert not [c for c in CATALOGUE if c in text], name
        assert ">severity<" not in text


def test_report_tables_mark_numbers_and_text(executed):
    texts = _ordered_texts(executed["01_department_report"])
    funds = next(t for t in texts if "<table" in t and ">科目</th>" in t)
    assert '<th class="text nowrap">科目</th>' in funds
    assert re.search(r'<td class="num">\d+\.\d{4}</td>', funds)  # 万元 moved to the header
    assert "全年执行数（万元）" in funds
    for name in ("01_department_report", "02_compare_departments", "03_trends"):
        for t in _ordered_texts(executed[name]):
            assert 'class="dataframe' not in t, name  # every table goes through report_table


# --------------------------------------------------------------------------- charts as the reports show them
def _tick_labels_collide(fig) -> bool:
    """Upright labels: their boxes overlap. Slanted labels (parallel strips): the
    distance between neighbouring strips is less than the text height."""
    import math

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ticks = [t for t in fig.axes[0].get_xticklabels() if t.get_text()]
    angle = ticks[0].get_rotation()
    if angle == 0:
        boxes = [t.get_window_extent(renderer) for t in ticks]
        return any(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))
    xs = [t.get_window_extent(renderer).x1 for t in ticks]  # right-aligned: the anchor
    height = ticks[0].get_fontsize() * fig.dpi / 72
    gaps = [(b - a) * math.sin(math.radians(angle)) for a, b in zip(xs, xs[1:])]
    return min(gaps) < 1.2 * height


def test_comparison_charts_have_no_overlapping_tick_labels(lib):
    from perfeval import charts

    m21 = lib["m"][(lib["m"]["year"] == 2021) & lib["m"]["actual"].notna()]
    assert m21["name"].str.len().max() >= 8  # 示例·农业农村局: long enough to collide unrotated
    for fig in (charts.execution_rate_chart(m21), charts.per_capita_chart(m21), charts.staffing_chart(m21)):
        assert not _tick_labels_collide(fig)


def test_execution_labels_sit_inside_the_bars(lib):
    from perfeval import charts

    m21 = lib["m"][lib["m"]["year"] == 2021]
    ax = charts.execution_rate_chart(m21).axes[0]
    labels = [t for t in ax.texts if t.get_text().endswith("%") and t.get_text() != " 100%"]
    assert len(labels) == m21["execution_rate"].notna().sum()
    assert all(t.get_va() == "top" and t.get_color() == "white" for t in labels)


def test_heatmap_text_contrasts_with_its_cell(lib):
    from matplotlib.colors import to_rgb

    from perfeval import charts

    cats = lib["sc"].categories
    fig = charts.category_heatmap(cats[cats["year"] == 2021])
    ax = fig.axes[0]
    im = ax.images[0]
    data = im.get_array()
    checked = 0
    for t in ax.texts:
        j, i = (round(v) for v in t.get_position())
        r, g, b, _ = im.cmap(im.norm(data[i, j]))
        cell = 0.299 * r + 0.587 * g + 0.114 * b
        tr, tg, tb = to_rgb(t.get_color())
        assert abs(cell - (0.299 * tr + 0.587 * tg + 0.114 * tb)) > 0.4, t.get_text()
        checked += 1
    assert checked == data.size


def test_ranking_axis_stops_at_100_and_empty_composition_is_explained(lib):
    from perfeval import charts

    t = lib["sc"].totals
    ax = charts.ranking_chart(t[t["year"] == 2021]).axes[0]
    assert max(ax.get_xticks()) <= 100
    hist = lib["m"][lib["m"]["dept_id"] == "hyx-wxb"]
    texts = [x.get_text() for x in charts.composition_chart(hist).axes[0].texts]
    assert "人员经费、公用经费、项目支出均未填报" in texts  # 2020 has only 基本支出
