"""Excel workbooks: read back with openpyxl (values, formats, merges, panes, charts)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfeval
from perfeval import _xlsx
from perfeval._xlsx import (
    FMT_MONEY,
    FMT_RATE,
    export_compare_xlsx,
    export_department_xlsx,
    export_xlsx,
    safe_sheet_name,
)

from conftest import assert_unchanged, examples, frames_snapshot, write_tables

HOSTILE_NAME = "'[网信办]:*?/\\'"  # every forbidden character, quoted at both ends
HYPERLINK = '=HYPERLINK("http://x","y")'

# The seed report's 附件1-2 indicator table, as printed (三级指标, 指标值, 完成值, 分值, 得分).
SEED_INDICATORS = [
    ("第一时间完成涉县网络舆情处置", "100%", "≥98%", 10, 9),
    ("第一时间协调处置网络安全事件", "100%", "≥98%", 10, 10),
    ("把牢网络舆论导向，为全县社会和谐稳定营造 良好的网络舆论氛围", "100%", "≥95%", 10, 9),
    ("实行24小时舆情值班制和网络舆情日报制", "100%", "98%", 10, 9),
    ("基本支出", "不突破预算", "100%", 10, 9),
    ("网络留言回复率", "100%", "≥98%", 10, 9),
    ("上级舆情交办率", "100%", "≥98%", None, None),
    ("上级下发网宣网评任务完成率", "100%", "100%", 10, 9),
    ("把牢网络舆论导向，为全县社会和谐稳定营造 良好的网络舆论氛围", "100%", "≥98%", 10, 9),
    ("综合影响力", "100%", "≥98%", 10, 9),
    ("社会公众或服务对象满意度≥95%", "100%", "≥95", 10, 9),
]


# --------------------------------------------------------------------------- helpers


def _find(ws, text: str, col: int | None = None):
    """First cell whose value is ``text`` (optionally in column ``col``, 1-based)."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text and (col is None or cell.column == col):
                return cell
    raise AssertionError(f"{text!r} not found in sheet {ws.title}")


def _merged_at(ws, coord: str) -> str | None:
    for rng in ws.merged_cells.ranges:
        if coord in rng:
            return str(rng)
    return None


def _header_map(ws, row: int = 1) -> dict[str, int]:
    return {c.value: c.column for c in ws[row] if c.value is not None}


def _all_text(wb) -> list[str]:
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("xlsx")


@pytest.fixture(scope="module")
def seed_book(default_ds, out_dir) -> Path:
    return export_department_xlsx(default_ds, "hyx-wxb", 2021, out_dir / "网信办.xlsx")


@pytest.fixture(scope="module")
def compare_book(default_ds, out_dir) -> Path:
    return export_compare_xlsx(default_ds, 2021, out_dir / "对比.xlsx")


@pytest.fixture(scope="module")
def hostile_ds(tmp_path_factory) -> perfeval.Dataset:
    """Two departments whose names sanitise to the same sheet name, formula-like texts."""
    folder = tmp_path_factory.mktemp("hostile")
    rows_fin = []
    for d in ("x1", "x2"):
        rows_fin += [
            {"dept_id": d, "year": 2022, "item": "年度资金总额", "initial_budget": 100, "adjusted_budget": 120, "actual": 110},
            {"dept_id": d, "year": 2022, "item": "基本支出", "adjusted_budget": 90, "actual": 85},
            {"dept_id": d, "year": 2022, "item": "项目支出", "adjusted_budget": 30, "actual": 25},
        ]
    tables = {
        "departments": [
            {"dept_id": "x1", "name": HOSTILE_NAME * 4, "region": "测试县"},
            {"dept_id": "x2", "name": HOSTILE_NAME * 4 + "乙", "region": "测试县"},
        ],
        "finance": rows_fin,
        "staffing": [{"dept_id": d, "year": 2022, "quota": 10, "actual": 8} for d in ("x1", "x2")],
        "indicators": [
            {"dept_id": d, "year": 2022, "level1": "产出", "level2": "数量指标", "name": HYPERLINK,
             "target": "+100", "actual": "-5", "weight": 10, "score": 10, "reason": "@SUM(A1:A9)"}
            for d in ("x1", "x2")
        ],
        "goals": [{"dept_id": d, "year": 2022, "goal": "=1+1", "result": "@完成"} for d in ("x1", "x2")],
        "evaluations": [{"dept_id": d, "year": 2022, "total_weight": 100, "total_score": 95, "grade": "=优",
                         "execution_rate": "90%", "execution_weight": 10, "execution_score": 9} for d in ("x1", "x2")],
    }
    return perfeval.load(write_tables(folder / "ds", tables))


@pytest.fixture(scope="module")
def hostile_book(hostile_ds, out_dir) -> Path:
    return export_xlsx(hostile_ds, out_dir / "hostile.xlsx")


@pytest.fixture(scope="module")
def hostile_compare(hostile_ds, out_dir) -> Path:
    return export_compare_xlsx(hostile_ds, 2022, out_dir / "hostile_compare.xlsx")


# --------------------------------------------------------------------------- sheet names


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("a/b:c", [], "a_b_c"),
        ("[x]*?\\", [], "_x____"),
        ("'quoted'", [], "quoted"),
        ("'", [], "Sheet"),
        ("", [], "Sheet"),
        (None, [], "Sheet"),
        ("history", [], "history_"),
        ("附件1-2", ["附件1-2"], "附件1-2~2"),
        ("ABC", ["abc", "Abc~2"], "ABC~3"),
        ("x" * 40, [], "x" * 31),
        ("x" * 40, ["x" * 31], "x" * 29 + "~2"),
        ("tab\there", [], "tab_here"),
    ],
)
def test_safe_sheet_name_cases(name, taken, expected):
    assert safe_sheet_name(name, taken) == expected


def test_safe_sheet_name_does_not_mutate_taken():
    taken = ["a"]
    safe_sheet_name("a", taken)
    assert taken == ["a"]


def test_safe_sheet_name_counts_utf16_units():
    # an astral character counts twice in Excel's 31-character limit
    name = safe_sheet_name("😀" * 20)
    assert len(name.encode("utf-16-le")) // 2 <= 31
    assert name == "😀" * 15


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=60), st.lists(st.text(max_size=35), max_size=5))
def test_safe_sheet_name_always_valid_and_unique(name, taken):
    out = safe_sheet_name(name, taken)
    assert 1 <= len(out.encode("utf-16-le")) // 2 <= 31
    assert not re.search(r"[\[\]:*?/\\]", out)
    assert not out.startswith("'") and not out.endswith("'")
    assert out.casefold() not in {t.casefold() for t in taken}


# --------------------------------------------------------------------------- 附件1-2 of the seed


def test_seed_form_1_2_funds(seed_book):
    ws = openpyxl.load_workbook(seed_book)["附件1-2"]
    total = _find(ws, "年度资金总额")
    r = total.row
    values = [ws.cell(r, c).value for c in range(3, 9)]
    assert values == [85.8361, 85.8361, 85.4561, 0.98, 10, 9]
    for c in (3, 4, 5):
        assert ws.cell(r, c).number_format == FMT_MONEY
    assert ws.cell(r, 6).number_format == FMT_RATE
    assert ws.cell(r, 6).data_type == "n"
    # 按收入性质分 / 按支出性质分 pairs, as in the seed
    pairs = {}
    for label in ("其中：一般公共预算", "政府性基金拨款", "纳入管理的非税收入拨款", "其他资金"):
        cell = _find(ws, label, col=2)
        pairs[label] = ws.cell(cell.row, 3).value
    for label in ("基本支出", "其中：人员经费", "公用经费", "项目支出"):
        cell = _find(ws, label, col=4)
        pairs[label] = ws.cell(cell.row, 5).value
    assert pairs == {
        "其中：一般公共预算": 85.8361, "政府性基金拨款": 0, "纳入管理的非税收入拨款": 0, "其他资金": 0,
        "基本支出": 85.8361, "其中：人员经费": 71.9019, "公用经费": 13.9342, "项目支出": 0,
    }
    assert _merged_at(ws, f"A{r}") is not None and ws[_merged_at(ws, f"A{r}").split(":")[0]].value == "部门资金（万元）"


def test_seed_form_1_2_indicators_match_the_seed(seed_book):
    ws = openpyxl.load_workbook(seed_book)["附件1-2"]
    head = _find(ws, "三级指标")
    assert [ws.cell(head.row, c).value for c in range(2, 10)] == [
        "一级指标", "二级指标", "三级指标", "指标值", "完成值", "分值", "得分", "复核得分"]
    got = []
    for i in range(len(SEED_INDICATORS)):
        r = head.row + 1 + i
        got.append(tuple(ws.cell(r, c).value for c in range(4, 9)))
        for c in (5, 6):  # targets and achievements are the raw text
            assert ws.cell(r, c).data_type == "s"
    assert got == SEED_INDICATORS
    # the row after the table is the total, as in the seed
    r = head.row + 1 + len(SEED_INDICATORS)
    assert ws.cell(r, 1).value == "综合评定等级"
    assert ws.cell(r, 2).value == "优秀"
    assert [ws.cell(r, 7).value, ws.cell(r, 8).value] == [100, 91]


def test_seed_form_1_2_merges(seed_book):
    ws = openpyxl.load_workbook(seed_book)["附件1-2"]
    head = _find(ws, "三级指标")
    first = head.row + 1
    # 一级指标 merged down its rows: 产出 5 rows, 效益 5 rows, 满意度 1 row (not merged)
    assert _merged_at(ws, f"B{first}") == f"B{first}:B{first + 4}"
    assert ws[f"B{first}"].value == "产出指标（50分）"
    assert _merged_at(ws, f"B{first + 5}") == f"B{first + 5}:B{first + 9}"
    assert ws[f"B{first + 5}"].value == "效益指标（30分）"
    assert ws[f"B{first + 10}"].value == "满意度指标（10分）"
    # 二级指标 runs: 数量指标 twice, 社会效益指标 three times
    assert _merged_at(ws, f"C{first}") == f"C{first}:C{first + 1}"
    assert _merged_at(ws, f"C{first + 5}") == f"C{first + 5}:C{first + 7}"
    # 绩效指标 label merged over the header and all indicator rows
    assert _merged_at(ws, f"A{head.row}") == f"A{head.row}:A{first + 10}"
    title = _find(ws, "部门整体支出绩效自评表")
    assert _merged_at(ws, title.coordinate) == f"A{title.row}:H{title.row}"


def test_seed_form_1_2_rescored_beside_reported(seed_book, default_ds):
    wb = openpyxl.load_workbook(seed_book)
    ws = wb["附件1-2"]
    card = perfeval.rescore(default_ds).indicators
    card = card[(card.dept_id == "hyx-wxb") & (card.year == 2021)].sort_values("seq")
    head = _find(ws, "三级指标")
    n_diff = 0
    for i, rec in enumerate(card.itertuples()):
        cell = ws.cell(head.row + 1 + i, 9)
        a, b = rec.score, rec.reported_score
        differs = pd.isna(a) != pd.isna(b) or (not pd.isna(a) and abs(a - b) > 1e-9)
        if differs:
            n_diff += 1
            assert cell.value == (None if pd.isna(a) else pytest.approx(a))
            assert cell.fill.fgColor.rgb.endswith("FFEB9C")
            assert cell.comment is not None and cell.comment.text == rec.basis
        else:
            assert cell.value is None and cell.comment is None
    assert n_diff >= 1
    # execution score re-scored 9 → 9.96 with a comment saying why
    r = _find(ws, "年度资金总额").row
    assert ws.cell(r, 9).value == pytest.approx(85.4561 / 85.8361 * 10, abs=0.01)
    assert "执行率" in ws.cell(r, 9).comment.text and "98%" in ws.cell(r, 9).comment.text
    # the total row carries the re-scored total
    total_row = _find(ws, "综合评定等级").row
    tot = perfeval.rescore(default_ds).totals.set_index(["dept_id", "year"]).loc[("hyx-wxb", 2021)]
    assert ws.cell(total_row, 9).value == pytest.approx(float(tot["total"]))
    assert "复核总分" in ws.cell(total_row, 9).comment.text


def test_seed_form_1_2_goals(seed_book):
    ws = openpyxl.load_workbook(seed_book)["附件1-2"]
    head = _find(ws, "年初预期（设定）目标")
    goals = ws.cell(head.row + 1, 2).value
    results = ws.cell(head.row + 1, 6).value
    assert goals.splitlines()[0] == "1、坚持以抓好网上舆情管控为重点。坚决打赢网上意识形态斗争"
    assert len(goals.splitlines()) == 3
    assert len(results.splitlines()) == 2  # the third goal has no result: not invented


def test_no_personal_data_anywhere(seed_book, compare_book):
    for book in (seed_book, compare_book):
        text = "\n".join(_all_text(openpyxl.load_workbook(book)))
        assert "填表人" not in text and "联系电话" not in text
        assert "13787340508" not in text and "阳桂兰" not in text


# --------------------------------------------------------------------------- 附件1-1 of the seed


def test_seed_form_1_1(seed_book):
    ws = openpyxl.load_workbook(seed_book)["附件1-1"]
    labels = [str(c.value).strip() for c in ws["A"] if c.value is not None]
    wanted = [
        "财政供养人员情况", "经费控制情况", "一、部门基本支出", "其中：1、压缩一般性支出", "2、三公经费",
        "公务用车购置和维护经费", "其中：公车购置", "公车运行维护", "公务接待", "出国经费", "二、部门项目支出",
        "1、业务工作专项(一个项目一行)", "2、运行维护专项(一个项目一行)", "3、县级专项资金（一个专项一行）",
        "政府采购金额", "厉行节约保障措施",
    ]
    positions = [labels.index(w) for w in wanted]
    assert positions == sorted(positions)  # same rows, same order
    staff = _find(ws, "编制数")
    assert ws.cell(staff.row + 1, 2).value == 19
    assert ws.cell(staff.row + 1, 3).value == 12
    assert ws.cell(staff.row + 1, 4).value == pytest.approx(12 / 19)
    assert ws.cell(staff.row + 1, 4).number_format == FMT_RATE
    basic = _find(ws, "一、部门基本支出")
    assert [ws.cell(basic.row, c).value for c in (2, 3, 4)] == [85.4561, 85.8361, 60.0985]
    assert all(ws.cell(basic.row, c).number_format == FMT_MONEY for c in (2, 3, 4))
    # unknown stays blank (三公经费 not reported)
    sangong = _find(ws, "2、三公经费")
    assert [ws.cell(sangong.row, c).value for c in (2, 3, 4)] == [None, None, None]
    assert ws.cell(3, 1).value == "填报单位：网信办"


# --------------------------------------------------------------------------- analysis sheets


def test_analysis_sheets(seed_book, default_ds):
    wb = openpyxl.load_workbook(seed_book)
    assert wb.sheetnames[:2] == ["附件1-1", "附件1-2"]
    for name in ("汇总指标", "绩效指标", "复核评分", "审核发现", "同比"):
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}", name

    ws = wb["汇总指标"]
    h = _header_map(ws)
    assert ws.max_row == 2  # one row: the department-year
    rate = ws.cell(2, h["执行率（执行数/全年预算）"])
    assert rate.data_type == "n" and rate.number_format == FMT_RATE
    assert rate.value == pytest.approx(85.4561 / 85.8361)
    assert ws.cell(2, h["全年执行数"]).number_format == FMT_MONEY

    ws = wb["绩效指标"]
    h = _header_map(ws)
    assert ws.max_row == 1 + len(SEED_INDICATORS)
    assert [ws.cell(r, h["指标值"]).value for r in range(2, ws.max_row + 1)] == [s[1] for s in SEED_INDICATORS]
    assert ws.cell(2, h["完成值（解析）"]).value == 98 and ws.cell(2, h["完成值（解析）"]).data_type == "n"
    assert ws.cell(2, h["报告得分"]).value == 9
    assert ws.cell(2, h["复核得分"]).value == pytest.approx(9.8)
    assert ws.cell(2, h["完成比例"]).number_format == FMT_RATE
    # widths fit Chinese text: the longest indicator name is wider than its character count
    longest = max(len(s[0]) for s in SEED_INDICATORS)
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(h["三级指标"])].width
    assert width > longest * 1.5

    ws = wb["审核发现"]
    found = perfeval.check(default_ds)
    found = found[(found.dept_id == "hyx-wxb") & (found.year.isna() | (found.year == 2021)).fillna(False)]
    assert ws.max_row - 1 == len(found) > 0
    h = _header_map(ws)
    assert {ws.cell(r, h["代码"]).value for r in range(2, ws.max_row + 1)} == set(found["code"])


def test_framework_is_passed_through(default_ds, tmp_path):
    path = export_department_xlsx(default_ds, "hyx-wxb", 2021, tmp_path / "hubei.xlsx", framework="hubei")
    ws = openpyxl.load_workbook(path)["附件1-2"]
    r = _find(ws, "年度资金总额").row
    assert ws.cell(r, 7).value == 10  # the reported weight stays as reported
    assert ws.cell(r, 9).value == pytest.approx(20 * 85.4561 / 85.8361, abs=0.01)  # Hubei: 20 × 执行率
    head = _find(ws, "三级指标")
    assert ws.cell(head.row + 1, 2).value == "产出指标（40分）"


@pytest.mark.e2e
def test_export_xlsx_all_departments(default_ds, out_dir):
    snap = frames_snapshot(default_ds)
    path = export_xlsx(default_ds, out_dir / "all.xlsx")
    assert_unchanged(default_ds, snap)
    wb = openpyxl.load_workbook(path, read_only=True)
    keys = default_ds.evaluations[["dept_id", "year"]].drop_duplicates()
    forms = [n for n in wb.sheetnames if n.startswith("附件1-2")]
    assert len(forms) == len(keys)
    assert "附件1-2 网信办 2021" in wb.sheetnames
    assert all(len(n) <= 31 for n in wb.sheetnames)
    assert len({n.casefold() for n in wb.sheetnames}) == len(wb.sheetnames)


def test_export_years_filter(default_ds, out_dir):
    path = export_xlsx(default_ds, out_dir / "y2022.xlsx", years=[2022], dept_ids=["demo-fl", "demo-czj"])
    wb = openpyxl.load_workbook(path, read_only=True)
    assert sorted(n for n in wb.sheetnames if n.startswith("附件")) == sorted(
        ["附件1-1 示例·妇联 2022", "附件1-2 示例·妇联 2022", "附件1-1 示例·财政局 2022", "附件1-2 示例·财政局 2022"])


def test_unknown_department_and_year(default_ds, out_dir):
    with pytest.raises(ValueError, match="部门编码「nope」不在数据集中"):
        export_department_xlsx(default_ds, "nope", 2021, out_dir / "x.xlsx")
    with pytest.raises(ValueError, match="部门「hyx-wxb」没有 2030 年度的数据；已有年度：2020、2021"):
        export_department_xlsx(default_ds, "hyx-wxb", 2030, out_dir / "x.xlsx")
    with pytest.raises(ValueError, match="没有部门有 1990 年度的数据"):
        export_compare_xlsx(default_ds, 1990, out_dir / "x.xlsx")
    assert not (out_dir / "x.xlsx").exists()


def test_holey_dataset_exports(holey_dir, tmp_path):
    ds = perfeval.load(holey_dir)
    path = export_department_xlsx(ds, "h1", 2022, tmp_path / "holey.xlsx")
    ws = openpyxl.load_workbook(path)["附件1-2"]
    r = _find(ws, "年度资金总额").row
    assert ws.cell(r, 3).value is None  # 年初预算数 blank stays blank
    assert ws.cell(r, 4).value == 10
    assert ws.cell(r, 5).value is None


# --------------------------------------------------------------------------- formula safety


def test_hostile_texts_are_text(hostile_book):
    wb = openpyxl.load_workbook(hostile_book)
    forms = [n for n in wb.sheetnames if n.startswith("附件1-2")]
    assert len(forms) == 2 and forms[0] != forms[1]
    for name in forms:
        ws = wb[name]
        cell = _find(ws, HYPERLINK)
        assert cell.data_type == "s" and cell.value.startswith("=")
        assert ws.cell(cell.row, cell.column + 1).value == "+100"
        assert ws.cell(cell.row, cell.column + 2).value == "-5"
        assert ws.cell(cell.row, cell.column + 1).data_type == "s"
        assert _find(ws, "=优").data_type == "s"
        assert _find(ws, "1、=1+1").data_type == "s"
        assert _find(ws, f"1、{HYPERLINK}：@SUM(A1:A9)").data_type == "s"
    ind = wb["绩效指标"]
    cells = [c for row in ind.iter_rows() for c in row if c.value == HYPERLINK]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)
    # no formula element anywhere in the package
    with zipfile.ZipFile(hostile_book) as z:
        for info in z.infolist():
            if info.filename.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(info).decode("utf-8"), info.filename


def test_hostile_sheet_names(hostile_book, hostile_ds):
    names = openpyxl.load_workbook(hostile_book, read_only=True).sheetnames
    assert len({n.casefold() for n in names}) == len(names)
    for n in names:
        assert len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n)
        assert not n.startswith("'") and not n.endswith("'")
    # the two department names differ only after 31 characters: suffixed, not clashing
    assert sum(n.startswith("附件1-1") for n in names) == 2


def test_hostile_compare(hostile_compare):
    ws = openpyxl.load_workbook(hostile_compare)["对比"]
    h = _header_map(ws)
    names = [ws.cell(r, h["部门"]).value for r in (2, 3)]
    assert HOSTILE_NAME * 4 in names
    assert all(ws.cell(r, h["部门"]).data_type == "s" for r in (2, 3))


# --------------------------------------------------------------------------- comparison workbook


def test_compare_sheet(compare_book, default_ds):
    wb = openpyxl.load_workbook(compare_book)
    ws = wb["对比"]
    h = _header_map(ws)
    depts = sorted(set(default_ds.evaluations.loc[default_ds.evaluations.year == 2021, "dept_id"]))
    assert ws.max_row == 1 + len(depts)
    totals = [ws.cell(r, h["总得分（复核）"]).value for r in range(2, ws.max_row + 1)]
    assert totals == sorted(totals, reverse=True)
    assert [ws.cell(r, h["排名"]).value for r in range(2, ws.max_row + 1)][0] == 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, h["部门编码"]).value == "hyx-wxb")
    assert ws.cell(row, h["执行率"]).value == pytest.approx(85.4561 / 85.8361)
    assert ws.cell(row, h["执行率"]).number_format == FMT_RATE
    assert ws.cell(row, h["人均支出（万元/人）"]).value == pytest.approx(85.4561 / 12)
    assert ws.cell(row, h["人均支出（万元/人）"]).number_format == FMT_MONEY
    assert ws.freeze_panes == "A2"
    # conditional formatting: colour scales on rates and totals, a data bar on per-capita
    letter = openpyxl.utils.get_column_letter
    kinds = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            kinds[str(rng.sqref)] = rule.type
    last = ws.max_row
    assert kinds[f"{letter(h['执行率'])}2:{letter(h['执行率'])}{last}"] == "colorScale"
    assert kinds[f"{letter(h['总得分（复核）'])}2:{letter(h['总得分（复核）'])}{last}"] == "colorScale"
    assert kinds[f"{letter(h['人均支出（万元/人）'])}2:{letter(h['人均支出（万元/人）'])}{last}"] == "dataBar"


def test_compare_charts_point_at_ranges(compare_book):
    wb = openpyxl.load_workbook(compare_book)
    ws = wb["对比"]
    h = _header_map(ws)
    last = ws.max_row
    letter = openpyxl.utils.get_column_letter

    def ref(label: str) -> str:
        c = letter(h[label])
        return f"对比!${c}$2:${c}${last}"

    charts = wb["图表"]._charts
    assert len(charts) == 3
    by_title = {}
    for ch in charts:
        title = "".join(r.t for p in ch.title.tx.rich.p for r in (p.r or []))
        by_title[title] = ch
    exec_chart = by_title["2021年 预算执行率"]
    assert exec_chart.type == "col" and exec_chart.grouping == "clustered"
    assert [s.val.numRef.f for s in exec_chart.series] == [ref("执行率")]
    assert exec_chart.series[0].cat.strRef.f == ref("部门") or exec_chart.series[0].cat.numRef.f == ref("部门")
    total_chart = by_title["2021年 复核总得分"]
    assert total_chart.type == "bar"
    assert [s.val.numRef.f for s in total_chart.series] == [ref("总得分（复核）")]
    comp = by_title["2021年 支出构成（万元）"]
    assert comp.type == "col" and comp.grouping == "stacked"
    assert [s.val.numRef.f for s in comp.series] == [ref("人员经费"), ref("公用经费"), ref("项目支出")]


# --------------------------------------------------------------------------- atomic write


def test_atomic_write_keeps_old_file_on_error(default_ds, tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"old contents")

    def boom(*args, **kwargs):
        raise RuntimeError("写入中断")

    monkeypatch.setattr(_xlsx, "_write_form_1_2", boom)
    with pytest.raises(RuntimeError, match="写入中断"):
        export_department_xlsx(default_ds, "hyx-wxb", 2021, path)
    assert path.read_bytes() == b"old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_atomic_write_replaces(default_ds, tmp_path):
    path = tmp_path / "sub" / "book.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"old contents")
    export_department_xlsx(default_ds, "hyx-wxb", 2021, path)
    assert zipfile.is_zipfile(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["book.xlsx"]


def test_public_api():
    assert perfeval.export_xlsx is export_xlsx


# --------------------------------------------------------------------------- LibreOffice


@pytest.mark.e2e
def test_libreoffice_opens_every_workbook(seed_book, compare_book, hostile_book, hostile_compare, default_ds, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) 未安装：apt-get install libreoffice-calc-nogui；CI 会安装")
    books = [seed_book, compare_book, hostile_book, hostile_compare,
             export_xlsx(default_ds, tmp_path / "all.xlsx")]
    outdir = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"
    proc = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(outdir), *map(str, books)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    for book in books:
        pdf = outdir / (Path(book).stem + ".pdf")
        assert pdf.exists(), f"{book.name}: {proc.stdout} {proc.stderr}"
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1000


def test_a_table_past_the_sheet_row_limit_is_refused_not_dropped(default_ds, tmp_path, monkeypatch):
    import perfeval._errors as errors

    monkeypatch.setattr(errors, "EXCEL_MAX_ROWS", 5)  # the same rule as at 1,048,576 rows, on a small dataset
    with pytest.raises(errors.SheetTooLargeError, match="超过 Excel 每张工作表 5 行的上限"):
        export_xlsx(default_ds, tmp_path / "all.xlsx")
    assert not (tmp_path / "all.xlsx").exists()


def _cells(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_workbooks_from_a_batch_analysis_equal_the_computed_ones(default_ds, seed_book, compare_book, tmp_path,
                                                                  monkeypatch):
    from perfeval._analysis import analyse

    full = analyse(default_ds)
    import perfeval._scoring as scoring
    import perfeval._checks as checks

    def no(*args, **kwargs):  # the workbook must take what the batch computed
        raise AssertionError("re-scored or audited again")

    monkeypatch.setattr(scoring, "rescore", no)
    monkeypatch.setattr(checks, "check", no)
    dept = export_department_xlsx(default_ds, "hyx-wxb", 2021, tmp_path / "d.xlsx", analysis=full)
    comp = export_compare_xlsx(default_ds, 2021, tmp_path / "c.xlsx", analysis=full)
    assert _cells(dept) == _cells(seed_book)
    assert _cells(comp) == _cells(compare_book)
