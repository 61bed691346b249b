"""perfeval import on the corpus of published form layouts (tests/fixtures/reports/).

Each rendition is read and compared with its ``<name>.expected.toml``: every
expected fact read, nothing the report does not hold (no spurious finance line
or indicator). Imported into a dataset, it loads, and ``check`` raises no 错误 or
警告 finding that the fixture does not list as true.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import perfeval
from perfeval._import import import_reports, read_report

REPORTS = Path(__file__).resolve().parent / "fixtures" / "reports"
sys.path.insert(0, str(REPORTS))
from accuracy import KINDS, compare, corpus_files, expected  # noqa: E402

FILES = corpus_files()
IDS = [p.stem for p in FILES]


def test_corpus_covers_the_issue():
    assert len(FILES) >= 15
    assert {p.suffix for p in FILES} == {".docx", ".txt", ".xlsx"}
    sources = " ".join(expected(p)["source"] for p in FILES)
    provinces = [x for x in ("湖南", "四川", "河南", "广东", "湖北", "浙江", "山东", "宁夏") if x in sources]
    assert "财政部 2020" in sources and len(provinces) >= 6, provinces
    assert sum(bool(expected(p)["who"]["project"]) for p in FILES) >= 3


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_fixture_is_read_as_expected(path):
    tallies = compare(read_report(path), expected(path))
    misses = [m for k in KINDS for m in tallies[k].misses]
    assert not misses, "\n".join(misses)
    assert sum(t.spurious_rows for t in tallies.values()) == 0


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_imported_fixture_loads_and_checks_without_false_alarms(path, tmp_path):
    exp = expected(path)
    out = tmp_path / "ds"
    summary = import_reports([path], out, progress=False)
    assert summary.ok, str(summary)
    ds = perfeval.load(out)
    if exp["who"]["project"]:
        # a project form is kept apart from the department's own figures
        assert ds.finance.empty and ds.indicators.empty and ds.evaluations.empty
        assert set(ds.projects["indicators"]["project"]) == {exp["who"]["project"]}
    findings = perfeval.check(ds)
    serious = findings[findings["severity"].isin(["错误", "警告"])]
    unexpected = serious[~serious["code"].isin(exp["true_findings"])]
    assert unexpected.empty, unexpected[["code", "location", "expected", "found"]].to_string()


@pytest.mark.parametrize("path", [p for p in FILES if expected(p)["skipped"]], ids=lambda p: p.stem)
def test_template_leftovers_are_logged_not_imported(path):
    rep = read_report(path)
    names = set(rep.tables["indicators"]["name"].dropna())
    logged = " ".join(rep.log["raw"].fillna(""))
    for raw in expected(path)["skipped"]:
        assert raw not in names
        assert raw in logged


def test_report_naming_no_department_uses_dept_name_or_stem(tmp_path):
    path = REPORTS / "unnamed_2022_selfeval.xlsx"
    rep = read_report(path)
    assert rep.name == "unnamed_2022_selfeval"
    assert rep.log["message"].str.contains("按文件名").any()
    assert read_report(path, dept_name="城关镇卫生院").name == "城关镇卫生院"
    # --dept-id alone gives a dataset that loads, with a name
    out = tmp_path / "ds"
    assert import_reports([path], out, dept_id="wsy", progress=False).ok
    ds = perfeval.load(out)
    assert ds.dept_name("wsy") == "unnamed_2022_selfeval"


# Every file imported twice into one dataset (4-8 s). In the fast loop each file is imported and loaded on its
# own (test_imported_fixture_…), a project form beside its department's report by test_department_report_…,
# and re-importing a folder is idempotent in test_import_batch.test_reimport_is_idempotent.
@pytest.mark.e2e
def test_whole_corpus_into_one_dataset(tmp_path):
    out = tmp_path / "ds"
    summary = import_reports([REPORTS], out, progress=False)
    assert summary.ok and len(summary.imported) == len(FILES), str(summary)
    ds = perfeval.load(out)
    projects = {expected(p)["who"]["project"] for p in FILES} - {""}
    assert set(ds.projects["finance"]["project"]) == projects
    assert "project" not in ds.finance.columns or ds.finance["project"].isna().all()
    # re-importing changes nothing
    before = {p.name: p.read_bytes() for p in out.glob("*.csv")}
    import_reports([REPORTS], out, progress=False)
    assert {p.name: p.read_bytes() for p in out.glob("*.csv")} == before


def test_department_report_and_its_project_form_do_not_conflict(tmp_path):
    """A 项目支出 form of a department-year is a block of its own beside the department's report."""
    import shutil

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(REPORTS / "hubei_2022_project.xlsx", src / "宜城市交通运输局项目.xlsx")
    dept = src / "宜城市交通运输局2022年度部门整体支出绩效自评表.txt"
    dept.write_text((REPORTS / "national_2020_dept.expected.toml").read_text(encoding="utf-8")[:0]
                    + "宜城市交通运输局2022年度部门整体支出绩效自评报告\n\n\t部门资金（万元）\n\t年初预算数\n\t全年预算数\n"
                      "\t全年执行数\n\t执行率\n\n\t年度资金总额\n\t100\n\t100\n\t98\n\t98%\n\n", encoding="utf-8")
    out = tmp_path / "ds"
    summary = import_reports([src], out, progress=False)
    assert summary.ok and not summary.conflicts, str(summary)
    ds = perfeval.load(out)
    assert ds.departments["dept_id"].nunique() == 1
    total = ds.finance[ds.finance["item"] == "年度资金总额"]
    assert total["actual"].tolist() == [98.0]
    assert ds.projects["finance"]["project"].unique().tolist() == ["农村公路提档升级"]


def test_explain_prints_the_recognised_layout(capsys, tmp_path):
    from perfeval import cli

    path = REPORTS / "hunan_2022_details.docx"
    assert cli.main(["import", "--explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "部门：政务服务中心（地区 祁阳市" in out and "年度 2022" in out
    assert "单位：祁阳市政务服务中心" in out
    assert "资金（部门资金/项目资金），表1 第1行" in out and "表头：部门资金（万元） | 年初预算数" in out
    assert "绩效指标，表1 第3行，读取 11 行" in out
    assert "「指标2：」：模板占位行" in out and "「其中：政务大厅运维」：「其中」明细行" in out
    assert "评分框架：一级指标（产出 50分、效益 30分、满意度 10分）对应评分框架 national_2020" in out
    assert not list(tmp_path.iterdir())  # nothing written
    assert cli.main(["import", str(path)]) == 2  # without --explain a dataset folder is needed


@pytest.mark.parametrize("stem, framework, weights", [
    # 规划/执行/效益 with the published 安徽 寿县 weights; 预算执行率 is scored inside 执行
    ("zhejiang_2022_text.txt", "anhui_2023", {"规划": 15, "执行": 35, "效益": 50}),
    ("anhui_2023_dept.xlsx", "anhui_2023", {"规划": 15, "执行": 35, "效益": 50}),  # the 寿县 layout itself
    # 决策/过程/产出/效益 (财预〔2020〕10号 指标框架)
    ("guangdong_2022_dept.xlsx", "decision_process_2020", {"决策": 10, "过程": 20, "产出": 30, "效益": 40}),
])
def test_score_rescores_under_the_framework_the_table_implies(tmp_path, capsys, stem, framework, weights):
    from perfeval import cli

    out = tmp_path / "ds"
    assert import_reports([REPORTS / stem], out, progress=False).ok
    ds = perfeval.load(out)
    assert ds.evaluations["framework"].tolist() == [framework]
    log = (out / "import_log.csv").read_text(encoding="utf-8")
    assert f"对应评分框架 {framework}" in log
    card = perfeval.rescore(ds)
    assert card.totals["framework"].tolist() == [framework]
    assert dict(zip(card.categories["level1"], card.categories["declared_weight"])) == weights
    codes = set(perfeval.check(ds, scorecard=card)["code"])
    assert not codes & {"unknown_category", "category_weight_mismatch", "weight_total_mismatch"}
    assert cli.main(["score", "--detail", "categories", str(out)]) == 0
    shown = capsys.readouterr().out
    for level1, w in weights.items():
        assert re.search(rf"{level1}\s+{w}\.00\s", shown), shown


def test_zhejiang_rescore_follows_its_framework(tmp_path):
    """规划 15 + 执行 35 + 效益 50, no separate execution points: 满意度 91 % against ≥90 % is met."""
    out = tmp_path / "ds"
    assert import_reports([REPORTS / "zhejiang_2022_text.txt"], out, progress=False).ok
    tot = perfeval.rescore(perfeval.load(out)).totals.iloc[0]
    assert (tot["execution_weight"], tot["total_reported"], tot["total"], tot["grade"]) == (0, 99, 100, "优")


def test_table_weights_differing_from_the_framework_are_logged():
    rep = read_report(REPORTS / "ningxia_2021_project.docx")
    assert rep.tables["evaluations"]["framework"].tolist() == ["decision_process_2020"]
    assert rep.level_weights == {"项目决策": 10, "项目管理": 25, "项目产出": 30, "项目效益": 35}
    msgs = " ".join(rep.log["message"])
    assert "一级指标（项目产出 30分、项目决策 10分、项目效益 35分、项目管理 25分）对应评分框架 decision_process_2020" in msgs
    assert "一级指标分值与评分框架 decision_process_2020 不同：过程 报告25分、框架20分；效益 报告35分、框架40分" in msgs
