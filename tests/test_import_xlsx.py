"""perfeval import: Excel copies of 附件1-1 / 附件1-2 (.xlsx, and .xls that is really .xlsx)."""
from __future__ import annotations

from pathlib import Path

import pytest

from _report_fixtures import SECOND_SPEC, SEED_SPEC, assert_same, expected, write_xlsx
from perfeval._import import read_report

TABLES = ["finance", "staffing", "indicators", "goals", "evaluations"]


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("xlsx")
    return {"seed": write_xlsx(SEED_SPEC, d / "网信办2021.xlsx"),
            "second": write_xlsx(SECOND_SPEC, d / f"{SECOND_SPEC['file_stem']}.xlsx")}


@pytest.mark.parametrize("table", TABLES)
def test_seed_xlsx(books, table):
    rep = read_report(books["seed"], dept_id="hyx-wxb")
    # the Excel copy has no narrative: its facts are the tables' facts only
    assert_same(rep.tables[table], expected(SEED_SPEC, "hyx-wxb", narrative=False)[table], table)


@pytest.mark.parametrize("table", TABLES)
def test_second_department_xlsx(books, table):
    rep = read_report(books["second"], dept_id="hyx-fl")
    assert_same(rep.tables[table], expected(SECOND_SPEC, "hyx-fl", narrative=False)[table], table)


def test_xlsx_identity_and_clean_log(books):
    rep = read_report(books["second"])
    assert (rep.region, rep.name, rep.year) == ("衡阳县", "妇联", 2022)
    assert not rep.has_warnings, rep.log.to_string()
    p = rep.provenance
    row = p[(p["table"] == "staffing") & (p["column"] == "quota")].iloc[0]
    assert row["doc_table"] == "附件1-1" and row["raw"] == "15"


def test_xls_that_is_really_xlsx(books, tmp_path):
    xls = tmp_path / "网信办2021.xls"
    xls.write_bytes(Path(books["seed"]).read_bytes())
    rep = read_report(xls, dept_id="hyx-wxb")
    assert_same(rep.tables["indicators"], expected(SEED_SPEC, "hyx-wxb", narrative=False)["indicators"], "indicators")
    assert not rep.log["message"].str.contains("扩展名").any()


def test_percent_and_number_formats(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["部门资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "得分"])
    ws.append(["", "年度资金总额", 100, 100.5, 98.25, 0.9776, 10, 9.5])
    ws["F2"].number_format = "0.00%"
    ws.append(["（2021年度）"])
    wb.save(tmp_path / "f.xlsx")
    rep = read_report(tmp_path / "f.xlsx", dept_id="x")
    fin = rep.tables["finance"].iloc[0]
    assert (fin["initial_budget"], fin["adjusted_budget"], fin["actual"]) == ("100", "100.5", "98.25")
    assert rep.tables["evaluations"].iloc[0]["execution_rate"] == "97.76%"


def test_sheet_names_do_not_matter(tmp_path):
    p = write_xlsx(SECOND_SPEC, tmp_path / "妇联2022.xlsx", sheet_names=("Sheet1", "Sheet2"))
    rep = read_report(p, dept_id="hyx-fl")
    assert_same(rep.tables["finance"], expected(SECOND_SPEC, "hyx-fl", narrative=False)["finance"], "finance")
