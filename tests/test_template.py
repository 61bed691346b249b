from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import perfeval
from perfeval._schema import TABLES
from perfeval._template import CHOICES, write_template
from perfeval.cli import main

from conftest import write_tables


def test_empty_template_has_every_table_in_chinese_and_loads(tmp_path):
    path = write_template(tmp_path / "模板.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [TABLES[n].zh for n in TABLES] + ["说明"]
    ws = wb["资金"]
    assert [c.value for c in ws[1]] == [c.zh for c in TABLES["finance"].columns]
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists == {"H2:H5001": '"万元,元"'}  # the 单位 column
    assert ws.freeze_panes == "A2"
    ds = perfeval.load(path)
    assert all(len(df) == 0 for df in ds.tables().values())


def test_dataset_round_trips_through_the_workbook(default_ds, tmp_path):
    path = write_template(tmp_path / "数据.xlsx", default_ds)
    again = perfeval.load(path)
    for name, df in default_ds.tables().items():
        a = df.drop(columns=["source", "source_row"]).reset_index(drop=True)
        b = getattr(again, name).drop(columns=["source", "source_row"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
    # numbers are written as the text the analyst typed, never re-rounded
    ws = openpyxl.load_workbook(path)["资金"]
    assert ws["G2"].value == "85.4561" and ws["G2"].data_type == "s"


def test_formula_text_stays_text(tmp_path):
    folder = write_tables(tmp_path / "ds", {
        "departments": [{"dept_id": "x", "name": "=HYPERLINK(\"http://x\",\"y\")"}],
        "indicators": [{"dept_id": "x", "year": 2022, "name": "+cmd", "target": "@SUM(A1)", "actual": "-1"}],
    })
    path = write_template(tmp_path / "t.xlsx", perfeval.load(folder))
    wb = openpyxl.load_workbook(path)
    assert wb["部门"]["B2"].data_type == "s" and wb["部门"]["B2"].value.startswith("=HYPERLINK")
    assert wb["绩效指标"]["E2"].value == "+cmd" and wb["绩效指标"]["F2"].value == "@SUM(A1)"


def test_template_command(tmp_path, capsys):
    out = tmp_path / "a.xlsx"
    assert main(["template", "-o", str(out)]) == 0
    assert out.exists() and "空白模板" in capsys.readouterr().out
    assert main(["template", "--from", str(perfeval.DEFAULT_DATASET), "-o", str(tmp_path / "b.xlsx")]) == 0
    assert len(perfeval.load(tmp_path / "b.xlsx").departments) == len(perfeval.load().departments)
    assert main(["template", "-o", str(tmp_path / "c.csv")]) == 2
    assert "xlsx" in capsys.readouterr().err
    assert CHOICES[("indicators", "direction")] == ["≥", "≤", "=", "定性"]


def test_rows_past_the_sheet_limit_are_refused_not_dropped(default_ds, tmp_path, monkeypatch):
    import perfeval._errors as errors

    monkeypatch.setattr(errors, "EXCEL_MAX_ROWS", 10)  # the same rule as at 1,048,576 rows, on a small dataset
    with pytest.raises(errors.SheetTooLargeError, match="工作表「资金」需写入 .* 行，超过 Excel 每张工作表 10 行的上限"):
        write_template(tmp_path / "t.xlsx", default_ds)
    assert not (tmp_path / "t.xlsx").exists()
