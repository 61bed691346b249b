"""Tests for the seeded example-department generator and the committed default rows."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from perfeval._examples import COLUMNS, EXAMPLE_PREFIX, format_csv_rows, generate_examples

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "data" / "default"


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return generate_examples()


def _load_script():
    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "scripts" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_same_seed_same_frames_other_seed_other_numbers(frames):
    again = generate_examples()
    for name in COLUMNS:
        pd.testing.assert_frame_equal(frames[name], again[name])
    other = generate_examples(seed=7)
    assert not frames["finance"]["actual"].equals(other["finance"]["actual"])


def test_departments_are_labelled_as_examples(frames):
    deps = frames["departments"]
    assert len(deps) == 5
    assert deps["dept_id"].str.startswith("demo-").all()
    assert deps["name"].str.startswith(EXAMPLE_PREFIX).all()
    assert deps["note"].str.contains("示例数据").all()
    assert deps["note"].str.contains("seed=20211").all()
    assert (deps["region"] == "示例县").all()


def test_columns_follow_input_contract(frames):
    for name, cols in COLUMNS.items():
        assert list(frames[name].columns) == cols


def test_department_does_not_depend_on_how_many_are_generated(frames):
    two = generate_examples(n_departments=2)
    mine = frames["finance"][frames["finance"]["dept_id"].isin(["demo-czj", "demo-fl"])]
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), two["finance"])


@pytest.mark.parametrize("bad", [0, 6, -1])
def test_bad_department_count(bad):
    with pytest.raises(ValueError, match="示例部门数 n_departments"):
        generate_examples(n_departments=bad)


def test_empty_years():
    with pytest.raises(ValueError, match="years 为空"):
        generate_examples(years=[])


def _item(fin: pd.DataFrame, dept: str, year: int, item: str, col: str) -> float:
    row = fin[(fin["dept_id"] == dept) & (fin["year"] == year) & (fin["item"] == item)]
    assert len(row) == 1, (dept, year, item)
    return float(row[col].iloc[0])


def test_finance_adds_up_except_the_planted_slip(frames):
    fin = frames["finance"]
    for (dept, year), g in fin.groupby(["dept_id", "year"]):
        for col in ("adjusted_budget", "actual"):
            total = _item(fin, dept, year, "年度资金总额", col)
            natures = _item(fin, dept, year, "基本支出", col) + _item(fin, dept, year, "项目支出", col)
            sources = g.loc[g["parent"] == "年度资金总额", col].sum() - natures
            basic = _item(fin, dept, year, "人员经费", col) + _item(fin, dept, year, "公用经费", col)
            projects = g.loc[g["parent"] == "项目支出", col].sum()
            assert round(basic, 4) == round(_item(fin, dept, year, "基本支出", col), 4)
            assert round(projects, 4) == round(_item(fin, dept, year, "项目支出", col), 4)
            assert round(sources, 4) == round(natures, 4)
            slip = dept == "demo-czj" and year == 2021 and col == "actual"
            assert (round(total - natures, 4) == 0.0001) if slip else (round(total - natures, 4) == 0)
        carry = _item(fin, dept, year, "年末结转结余", "actual")
        budget = _item(fin, dept, year, "年度资金总额", "adjusted_budget")
        spent = natures  # the sum of natures, unaffected by the slip
        assert round(budget - spent, 4) == round(carry, 4)
        if year > 2019:
            assert _item(fin, dept, year, "上年结转", "adjusted_budget") == _item(
                fin, dept, year - 1, "年末结转结余", "actual")


def test_indicator_weights_follow_the_national_frame(frames):
    ind = frames["indicators"]
    sizes = ind.groupby(["dept_id", "year"]).size()
    assert sizes.between(8, 12).all()
    weights = ind.groupby(["dept_id", "year", "level1"])["weight"].sum().unstack()
    assert (weights["产出"] == 50).all() and (weights["效益"] == 30).all()
    assert (weights["满意度"] == 10).all()
    assert (ind["score"] <= ind["weight"]).all()


def test_planted_inconsistencies_are_present(frames):
    staff = frames["staffing"]
    over = staff[staff["actual"] > staff["quota"]]
    assert list(zip(over["dept_id"], over["year"])) == [("demo-wjw", 2022)]
    ev = frames["evaluations"].set_index(["dept_id", "year"])
    assert ev.loc[("demo-nync", 2023), "execution_rate"] == "100%"
    ind = frames["indicators"]
    sums = ind.groupby(["dept_id", "year"])["score"].sum() + ev["execution_score"]
    diff = (ev["total_score"] - sums).round(2)
    assert diff[diff != 0].to_dict() == {("demo-xcb", 2019): 1.0}
    fl = ind[(ind["dept_id"] == "demo-fl") & (ind["year"] == 2020)]
    met_but_deducted = fl[(fl["actual"] == fl["target"]) & (fl["score"] < fl["weight"])
                          & fl["reason"].isna()]
    assert len(met_but_deducted) >= 1
    wjw = ind[(ind["dept_id"] == "demo-wjw") & (ind["year"] == 2020)]
    assert (wjw["reason"].isna() & (wjw["score"] < wjw["weight"])).any()


def test_generator_does_not_touch_its_arguments():
    years = [2022, 2021]
    generate_examples(n_departments=1, years=years)
    assert years == [2022, 2021]


def test_committed_default_rows_equal_regeneration(frames):
    """data/default holds exactly the generated rows after the real ones."""
    script = _load_script()
    for name, frame in frames.items():
        path = DEFAULT / f"{name}.csv"
        committed = path.read_bytes().decode("utf-8")
        assert script.render(path, frame) == committed, f"{path} 与生成结果不一致，请运行 scripts/make_examples.py"
        demo = [ln.rstrip("\r") for ln in committed.splitlines() if ln.startswith("demo-")]
        assert demo == format_csv_rows(frame)


def test_real_rows_come_first_and_are_kept(tmp_path, frames):
    script = _load_script()
    path = tmp_path / "staffing.csv"
    path.write_bytes("\ufeffdept_id,year,quota,actual,retired\r\nx-1,2021,3,2,\r\ndemo-old,1,1,1,1\r\n".encode())
    text = script.render(path, frames["staffing"])
    lines = text.split("\r\n")
    assert lines[0] == "\ufeffdept_id,year,quota,actual,retired"
    assert lines[1] == "x-1,2021,3,2,"
    assert "demo-old" not in text
    assert lines[2].startswith("demo-czj,2019,")


def test_default_dataset_loads_with_examples_flagged():
    perfeval = pytest.importorskip("perfeval")
    ds = perfeval.load()
    flags = ds.departments.set_index("dept_id")["is_example"]
    assert not flags["hyx-wxb"]
    assert flags.drop("hyx-wxb").all()
