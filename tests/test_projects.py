"""A department's project forms (项目支出绩效自评表) in its report: reviewed apart, shown, escaped.

The dataset: a department's own self-evaluation (宜城市交通运输局 2022) and the
项目支出绩效自评表 of one of its projects (tests/fixtures/reports/hubei_2022_project.xlsx),
imported together; the project's name is then given Markdown and HTML characters, as a
report could write them, to show that they stay text.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

import perfeval
from perfeval._import import import_reports
from perfeval._projects import project_names, projects_summary, review_projects
from perfeval._xlsx import export_department_xlsx

REPORTS = Path(__file__).resolve().parent / "fixtures" / "reports"
NAME = "农村公路提档升级"
HOSTILE = "农村公路*提档*升级<b>[链接](http://x.invalid)"

DEPT_REPORT = (
    "宜城市交通运输局2022年度部门整体支出绩效自评报告\n\n"
    "\t部门资金（万元）\n\t年初预算数\n\t全年预算数\n\t全年执行数\n\t执行率\n\t分值\n\t得分\n\n"
    "\t年度资金总额\n\t100\n\t100\n\t98\n\t98%\n\t10\n\t9.8\n\n"
    "\t一级指标\n\t二级指标\n\t三级指标\n\t指标值\n\t完成值\n\t分值\n\t得分\n\n"
    "\t产出指标\n\t数量指标\n\t养护道路里程\n\t≥100公里\n\t100公里\n\t50\n\t50\n\n"
    "\t效益指标\n\t社会效益指标\n\t道路通畅率\n\t≥95%\n\t96%\n\t30\n\t30\n\n"
    "\t满意度指标\n\t服务对象满意度指标\n\t群众满意度\n\t≥90%\n\t92%\n\t10\n\t10\n\n"
    "\t总分\n\t\n\t\n\t\n\t\n\t100\n\t99.8\n\n"
)


@pytest.fixture(scope="module")
def project_ds(tmp_path_factory) -> perfeval.Dataset:
    src = tmp_path_factory.mktemp("in")
    shutil.copy(REPORTS / "hubei_2022_project.xlsx", src / "宜城市交通运输局项目.xlsx")
    (src / "宜城市交通运输局2022年度部门整体支出绩效自评报告.txt").write_text(DEPT_REPORT, encoding="utf-8")
    out = tmp_path_factory.mktemp("ds") / "ds"
    summary = import_reports([src], out, progress=False)
    assert summary.ok and not summary.conflicts, str(summary)
    for csv in out.glob("*.csv"):  # a project name with markup in it, everywhere it is written
        csv.write_text(csv.read_text(encoding="utf-8").replace(NAME, HOSTILE), encoding="utf-8")
    return perfeval.load(out)


def _dept(ds) -> str:
    return ds.departments["dept_id"].iloc[0]


def test_project_is_reviewed_apart_from_the_department(project_ds):
    ds = project_ds
    d = _dept(ds)
    assert project_names(ds, d, 2022) == [HOSTILE]
    review = review_projects(ds, d, 2022)
    s = review.summary.iloc[0]
    assert s["project"] == HOSTILE and s["framework"] == "hubei"
    assert (s["adjusted_budget"], s["actual"]) == (900.0, 882.0)
    assert s["execution_rate"] == pytest.approx(0.98)
    assert s["total_reported"] == pytest.approx(99.6)
    # hubei: execution 20 × 98% = 19.6, every indicator met (完工 2022年10月25日 against 10月31日前): 80
    assert s["total"] == pytest.approx(99.6) and s["grade"] == "优"
    assert (s["indicators"], s["shortfalls"]) == (5, 0)
    assert set(review.indicators["project"]) == {HOSTILE}
    assert review.indicators["name"].tolist()[0] == "改造农村公路里程"
    # the department's own figures are its own: its total, its three indicators, its score
    card = perfeval.rescore(ds)
    assert ds.finance.loc[ds.finance["item"] == "年度资金总额", "actual"].tolist() == [98.0]
    assert len(card.indicators) == 3
    assert card.totals["total_reported"].tolist() == [pytest.approx(99.8)]


def test_project_findings_are_the_projects_own(project_ds):
    ds = project_ds
    d = _dept(ds)
    proj = review_projects(ds, d, 2022)
    dept_findings = perfeval.check(ds)
    assert (proj.findings["project"] == HOSTILE).all()
    assert proj.summary["findings"].tolist() == [len(proj.findings)]
    # nothing the department is told about comes from the project's rows
    assert not dept_findings["location"].str.contains("提档", regex=False).any()


def test_projects_paragraph_states_its_facts_and_escapes_names(project_ds):
    ds = project_ds
    d = _dept(ds)
    n = projects_summary(review_projects(ds, d, 2022))
    assert n.facts["projects"] == 1 and n.facts["project_1"] == HOSTILE
    assert n.facts["adjusted_budget_1"] == 900.0 and n.facts["actual_1"] == 882.0
    assert "全年预算数900.0000万元" in n.text and "执行率98.00%" in n.text
    assert "自评99.6分、复核99.6分" in n.text and "各项指标均达到指标值" in n.text
    assert HOSTILE in n.text  # the text is the report's own
    md = n.markdown
    assert "*提档*" not in md and "<b>" not in md and "](http" not in md
    assert r"\*提档\*" in md


def test_a_department_without_projects_gets_nothing():
    ds = perfeval.load()
    review = review_projects(ds, "hyx-wxb", 2021)
    assert review.empty and review.indicators.empty and review.findings.empty
    n = projects_summary(review)
    assert n.text == "" and n.facts == {"projects": 0}


def test_workbook_has_the_project_sheets(project_ds, tmp_path):
    ds = project_ds
    d = _dept(ds)
    path = export_department_xlsx(ds, d, 2022, tmp_path / "dept.xlsx")
    wb = openpyxl.load_workbook(path)
    assert {"项目支出", "项目指标"} <= set(wb.sheetnames)
    ws = wb["项目支出"]
    head = [c.value for c in ws[1]]
    row = dict(zip(head, [c.value for c in ws[2]]))
    assert row["项目名称"] == HOSTILE and row["全年预算数"] == 900 and row["全年执行数"] == 882
    assert row["总得分（自评）"] == pytest.approx(99.6) and row["评分框架"] == "hubei"
    assert ws.max_row == 2
    ind = wb["项目指标"]
    names = [r[0] for r in ind.iter_rows(min_row=2, min_col=[c.value for c in ind[1]].index("三级指标") + 1,
                                        max_col=[c.value for c in ind[1]].index("三级指标") + 1, values_only=True)]
    assert names == ["改造农村公路里程", "工程质量合格率", "完工时间", "沿线群众出行时间缩短", "沿线群众满意度"]
    # the department's own indicator sheet keeps its three
    assert wb["绩效指标"].max_row == 4


def test_workbook_without_projects_has_no_project_sheets(tmp_path):
    ds = perfeval.load()
    wb = openpyxl.load_workbook(export_department_xlsx(ds, "hyx-wxb", 2021, tmp_path / "seed.xlsx"))
    assert not {"项目支出", "项目指标"} & set(wb.sheetnames)


@pytest.mark.e2e
def test_department_report_shows_its_projects(project_ds, tmp_path):
    """The department notebook on a dataset with a project form: the section, its tables, names as text."""
    from test_notebooks import _execute, _markdown_texts, _outputs

    nb = _execute("01_department_report", {"dataset": project_ds.source, "dept_id": _dept(project_ds),
                                           "year": 2022, "framework": ""})
    errors = [f"{o.ename}: {o.evalue}" for _c, o in _outputs(nb) if o.output_type == "error"]
    assert errors == []
    text = _markdown_texts(nb)
    assert "## 附：项目支出绩效自评" in text
    assert "本年度另有1个项目填报了项目支出绩效自评表" in text
    assert r"农村公路\*提档\*升级" in text and "<b>" not in text
    html = "\n".join(o["data"]["text/html"] for _c, o in _outputs(nb) if "text/html" in o.get("data", {}))
    assert "农村公路*提档*升级&lt;b&gt;" in html and "改造农村公路里程" in html


def test_a_report_scope_carries_its_own_project_forms_only(tmp_path):
    """What a batch hands one department's report holds that department's project forms, no other's."""
    out = tmp_path / "ds"
    assert import_reports([REPORTS / "hubei_2022_project.xlsx", REPORTS / "national_2020_project.docx"], out,
                          progress=False).ok
    ds = perfeval.load(out)
    owners = sorted(set(ds.projects["finance"]["dept_id"]))
    assert len(owners) == 2
    part = perfeval.analyse(ds).scope(owners[0], 2022)
    assert set(part.dataset.projects["finance"]["dept_id"]) == {owners[0]}
    assert project_names(part.dataset, owners[0], 2022) == project_names(ds, owners[0], 2022)


def test_a_project_form_with_funds_only(project_ds):
    """No indicators and no evaluation: the rate from its funds, and no claim about indicators."""
    from dataclasses import replace

    ds = project_ds
    only_funds = {n: (df if n == "finance" else df.iloc[0:0]) for n, df in ds.projects.items()}
    review = review_projects(replace(ds, projects=only_funds), _dept(ds), 2022)
    s = review.summary.iloc[0]
    assert s["execution_rate"] == pytest.approx(882 / 900) and s["indicators"] == 0
    text = projects_summary(review).text
    assert "执行率98.00%" in text and "未填报绩效指标" in text and "均达到" not in text
