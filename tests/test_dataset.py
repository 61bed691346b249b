from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import perfeval
from perfeval._dataset import contract_frames, save_dataset
from perfeval._errors import DatasetError

from conftest import MINIMAL, assert_unchanged, frames_snapshot, write_tables


def test_default_dataset_is_the_seed_department(default_ds):
    seed = default_ds.subset(["hyx-wxb"])
    total = seed.finance.query("item == '年度资金总额' and year == 2021").iloc[0]
    assert (total["initial_budget"], total["adjusted_budget"], total["actual"]) == (85.8361, 85.8361, 85.4561)
    assert seed.finance.query("item == '基本支出' and year == 2020")["actual"].iloc[0] == 60.0985
    st = seed.staffing.iloc[0]
    assert (st["quota"], st["actual"], st["retired"]) == (19, 12, 0)
    ev = seed.evaluations.iloc[0]
    assert (ev["total_weight"], ev["total_score"], ev["grade"], ev["execution_rate"]) == (100, 91, "优秀", "98%")
    assert ev["execution_rate_value"] == pytest.approx(0.98)
    ind = seed.indicators
    assert len(ind) == 11
    blank = ind[ind["name"] == "上级舆情交办率"].iloc[0]
    assert pd.isna(blank["weight"]) and pd.isna(blank["score"]) and pd.isna(blank["weight_raw"])
    assert list(ind["actual"].head(3)) == ["≥98%", "≥98%", "≥95%"]
    assert list(ind["seq"]) == list(range(1, 12))


def test_default_dataset_has_no_personal_data():
    text = "".join(p.read_text(encoding="utf-8") for p in perfeval.DEFAULT_DATASET.glob("*.csv"))
    assert "阳桂兰" not in text and "13787340508" not in text


def test_frames_have_documented_dtypes_and_provenance(default_ds):
    fin = default_ds.finance
    for c in ("initial_budget", "adjusted_budget", "actual"):
        assert str(fin[c].dtype) == "Float64"
        assert c + "_raw" in fin.columns
    assert str(fin["year"].dtype) == "Int64"
    assert set(fin["split"].dropna()) <= {"total", "source", "nature", "detail", "memo"}
    for df in default_ds.tables().values():
        assert {"source", "source_row"} <= set(df.columns)
        assert df["source_row"].min() >= 2
    row = fin[(fin.dept_id == "hyx-wxb") & (fin.item == "基本支出") & (fin.year == 2020)].iloc[0]
    assert row["source"] == "finance.csv"
    lines = (perfeval.DEFAULT_DATASET / "finance.csv").read_text(encoding="utf-8").splitlines()
    assert "60.0985" in lines[int(row["source_row"]) - 1]


def test_vocabulary_parents_and_splits(default_ds):
    fin = default_ds.finance.set_index(["dept_id", "year", "item"])
    assert fin.loc[("hyx-wxb", 2021, "一般公共预算"), "split"] == "source"
    assert fin.loc[("hyx-wxb", 2021, "人员经费"), "parent"] == "基本支出"
    assert fin.loc[("hyx-wxb", 2021, "津补贴"), "split"] == "detail"
    assert fin.loc[("hyx-wxb", 2021, "年末结转结余"), "split"] == "memo"


def test_chinese_headers_gbk_and_yuan(tmp_path):
    folder = tmp_path / "zh"
    folder.mkdir()
    (folder / "部门.csv").write_text("部门编码,部门名称,地区\nz1,财政局,某县\n", encoding="gbk")
    (folder / "资金.csv").write_text(
        "部门编码,年度,科目,年初预算数,全年预算数,全年执行数,单位\n"
        "z1,2022年度,年度资金总额,\"1,000,000\",1200000,1100000,元\n"
        "z1,2022年度,政府性基金拨款,,0,,万元\n", encoding="gbk")
    ds = perfeval.load(folder)
    tot = ds.finance.iloc[0]
    assert tot["initial_budget"] == pytest.approx(100.0)
    assert tot["actual"] == pytest.approx(110.0)
    assert tot["initial_budget_raw"] == "1,000,000" and tot["unit_raw"] == "元"
    assert ds.finance.iloc[1]["item"] == "政府性基金"  # alias to the vocabulary
    assert int(ds.finance.iloc[0]["year"]) == 2022


def test_utf8_bom_and_xlsx_workbook(tmp_path):
    folder = write_tables(tmp_path / "bom", MINIMAL, encoding="utf-8-sig")
    a = perfeval.load(folder)
    with pd.ExcelWriter(tmp_path / "book.xlsx") as xw:
        for name, rows in MINIMAL.items():
            zh = {"departments": "部门", "finance": "资金", "staffing": "人员"}[name]
            pd.DataFrame(rows).to_excel(xw, sheet_name=zh, index=False)
    b = perfeval.load(tmp_path / "book.xlsx")
    cols = ["dept_id", "year", "item", "initial_budget", "adjusted_budget", "actual"]
    pd.testing.assert_frame_equal(a.finance[cols], b.finance[cols])
    assert b.finance["source"].iloc[0] == "book.xlsx:资金"
    assert b.staffing["quota"].iloc[0] == 10


def test_broken_dataset_lists_every_problem(tmp_path):
    folder = write_tables(tmp_path / "bad", {
        "departments": [{"dept_id": "b1", "name": "坏局"}, {"dept_id": "b1", "name": "重复"}],
        "finance": [
            {"dept_id": "b1", "year": "二〇二二", "item": "年度资金总额", "actual": "12o.5", "unit": "美元"},
            {"dept_id": "zz", "year": 2022, "item": "某专项", "actual": 3},
            {"dept_id": "b1", "year": 2022, "item": "基本支出", "actual": -1},
        ],
        "staffing": [{"dept_id": "b1", "year": 2022, "quota": "1.5"}],
        "indicators": [{"dept_id": "b1", "year": 2022, "target": "100%"}],
    })
    with pytest.raises(DatasetError, match=r"finance.csv，表 finance（资金），第2行，列 year") as info:
        perfeval.load(folder)
    probs = info.value.problems
    codes = set(probs["code"])
    assert {"bad_year", "bad_number", "bad_unit", "unknown_dept", "missing_parent", "duplicate_key",
            "missing_column", "negative_value"} <= codes
    bad_number = probs[(probs["code"] == "bad_number") & (probs["column"] == "actual")].iloc[0]
    assert (bad_number["file"], bad_number["row"], bad_number["raw"]) == ("finance.csv", 2, "12o.5")
    assert "金额" in bad_number["expected"]
    missing = probs[probs["code"] == "missing_column"].iloc[0]
    assert missing["table"].startswith("indicators") and missing["column"] == "name"
    assert "第3行" in str(info.value) and "原值「zz」" in str(info.value)


def test_missing_path_and_wrong_file(tmp_path):
    with pytest.raises(DatasetError, match="路径不存在"):
        perfeval.load(tmp_path / "nope")
    f = tmp_path / "report.docx"
    f.write_bytes(b"x")
    with pytest.raises(DatasetError, match="perfeval import"):
        perfeval.load(f)
    corrupt = tmp_path / "bad.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DatasetError, match="无法读取"):
        perfeval.load(corrupt)


def test_blank_is_unknown_not_zero(holey_dir):
    ds = perfeval.load(holey_dir)
    tot = ds.finance.query("dept_id == 'h1' and item == '年度资金总额'").iloc[0]
    assert pd.isna(tot["actual"]) and pd.isna(tot["initial_budget"]) and tot["adjusted_budget"] == 10
    assert ds.finance.query("dept_id == 'h2'")["actual"].iloc[0] == 0
    assert pd.isna(ds.staffing.query("dept_id == 'h1'")["quota"].iloc[0])
    ind = ds.indicators.set_index("name")
    assert ind.loc["指标甲", "target_kind"] == "empty" and pd.isna(ind.loc["指标甲", "rule"])
    assert ind.loc["指标乙", "rule"] == "≥"


def test_save_and_reload_round_trip(default_ds, tmp_path):
    out = perfeval.save_dataset(default_ds, tmp_path / "copy")
    again = perfeval.load(out)
    for name, df in default_ds.tables().items():
        a = df.drop(columns=["source"])
        b = getattr(again, name).drop(columns=["source"])
        pd.testing.assert_frame_equal(a, b, check_dtype=True)
    assert contract_frames(default_ds)["finance"]["actual"].iloc[0] == "85.4561"


def test_save_dataset_keeps_the_old_files_when_a_write_fails(default_ds, tmp_path, monkeypatch):
    """save_dataset writes each table through the one atomic writer: a failed write
    leaves the table as it was, and no temporary file behind."""
    folder = save_dataset(default_ds, tmp_path / "copy")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    class Boom(Exception):
        pass

    def fail(*a, **k):
        raise Boom()

    smaller = default_ds.subset(["hyx-wxb"], [2021])
    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(Boom):
        save_dataset(smaller, folder)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_subset_and_helpers_do_not_mutate(default_ds):
    snap = frames_snapshot(default_ds)
    sub = default_ds.subset(["hyx-wxb"], [2021])
    assert set(sub.finance["year"]) == {2021}
    assert default_ds.dept_name("hyx-wxb") == "网信办"
    assert 2021 in default_ds.years("hyx-wxb")
    assert_unchanged(default_ds, snap)


def test_example_departments_are_labelled(default_ds):
    deps = default_ds.departments.set_index("dept_id")
    assert not deps.loc["hyx-wxb", "is_example"]
    examples = deps[deps["is_example"]]
    assert len(examples) >= 3
    assert examples["name"].str.contains("示例").all()


def test_placeholder_cells_are_blank_but_kept(tmp_path):
    folder = write_tables(tmp_path / "ph", {
        "departments": [{"dept_id": "p1", "name": "占位局"}],
        "finance": [{"dept_id": "p1", "year": 2022, "item": "项目支出", "initial_budget": "-", "adjusted_budget": "—", "actual": "无"}],
    })
    row = perfeval.load(folder).finance.iloc[0]
    assert pd.isna(row["initial_budget"]) and pd.isna(row["actual"])
    assert (row["initial_budget_raw"], row["adjusted_budget_raw"], row["actual_raw"]) == ("-", "—", "无")


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_cells = st.one_of(st.text(max_size=12), st.sampled_from(["", "-", "85.4561", "1,000", "2021年", "≥98%", "元", "万元",
                                                          "\u3000", "=1+1", "NaN", "1e400", "年度资金总额"]))


@pytest.mark.e2e  # a fuzzer: 60 generated datasets loaded; the full suite runs it
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(*[_cells] * 7), min_size=1, max_size=4),
       ind=st.lists(st.tuples(*[_cells] * 6), max_size=3))
def test_load_never_raises_anything_but_dataset_error(tmp_path_factory, rows, ind):
    folder = tmp_path_factory.mktemp("hostile")
    fin_cols = ["dept_id", "year", "item", "initial_budget", "adjusted_budget", "actual", "unit"]
    ind_cols = ["dept_id", "year", "name", "target", "actual", "weight"]
    write_tables(folder, {
        "departments": [{"dept_id": "x", "name": "x"}],
        "finance": [dict(zip(fin_cols, r)) for r in rows],
        "indicators": [dict(zip(ind_cols, r)) for r in ind],
    }, headers={"finance": fin_cols, "indicators": ind_cols})
    try:
        ds = perfeval.load(folder)
    except DatasetError as exc:
        assert len(exc.problems) >= 1
        assert all(isinstance(m, str) and m for m in exc.problems["message"])
    else:
        perfeval.metrics(ds)  # a dataset that loads can be measured


def test_cells_beyond_the_header_are_reported_not_dropped(tmp_path):
    folder = tmp_path / "ragged"
    folder.mkdir()
    (folder / "departments.csv").write_text("dept_id,name\nr1,某局,多出来的\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="第3列（表头之外）.*原值「多出来的」") as info:
        perfeval.load(folder)
    assert info.value.problems["code"].tolist() == ["extra_cells"]


def test_datasets_compare_by_their_frames(default_ds):
    again = perfeval.load()
    assert again == default_ds and not (again != default_ds)
    assert default_ds != default_ds.subset(["hyx-wxb"])
    assert default_ds != "not a dataset"


def test_public_frames_use_one_string_dtype(default_ds):
    from perfeval._dataset import STR

    frames = {**{f"ds.{k}": v for k, v in default_ds.tables().items()},
              "metrics": perfeval.metrics(default_ds), "findings": perfeval.check(default_ds)}
    card = perfeval.rescore(default_ds)
    frames.update({"card.indicators": card.indicators, "card.categories": card.categories, "card.totals": card.totals})
    for label, df in frames.items():
        for col in df.columns:
            dt = df[col].dtype
            assert dt == STR or not (pd.api.types.is_string_dtype(dt) or dt == object), (label, col, dt)


def _without_source(ds: perfeval.Dataset) -> dict[str, pd.DataFrame]:
    return {name: df.drop(columns=["source"]) for name, df in ds.tables().items()}


def test_parquet_round_trip_gives_the_csv_frames(default_ds, tmp_path):
    pytest.importorskip("pyarrow")
    save_dataset(default_ds, tmp_path / "pq", format="parquet")
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == sorted(f"{n}.parquet" for n in default_ds.tables())
    back = perfeval.load(tmp_path / "pq")
    assert back.finance["source"].iloc[0] == "finance.parquet"
    for name, df in _without_source(default_ds).items():
        pd.testing.assert_frame_equal(_without_source(back)[name], df, check_exact=True, obj=name)
    # raw text is kept exactly: money written as typed, not re-formatted
    assert list(back.finance["actual_raw"]) == list(default_ds.finance["actual_raw"])


def test_parquet_with_numeric_columns_and_a_broken_file(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    folder = tmp_path / "ds"
    folder.mkdir()
    pq.write_table(pa.table({"dept_id": ["d1"], "name": ["测试局"]}), folder / "departments.parquet")
    # a producer that stored numbers as numbers: read as their text, parsed like CSV cells
    pq.write_table(pa.table({"dept_id": ["d1"], "year": [2022], "quota": [10], "actual": [None]}),
                   folder / "staffing.parquet")
    ds = perfeval.load(folder)
    assert int(ds.staffing["quota"].iloc[0]) == 10 and pd.isna(ds.staffing["actual"].iloc[0])
    assert ds.staffing["quota_raw"].iloc[0] == "10"
    (folder / "finance.parquet").write_bytes(b"not parquet")
    with pytest.raises(perfeval.DatasetError) as err:
        perfeval.load(folder)
    problems = err.value.problems
    assert "unreadable_file" in set(problems["code"]) and "finance.parquet" in set(problems["file"])


def test_save_dataset_refuses_an_unknown_format(default_ds, tmp_path):
    with pytest.raises(ValueError, match="不支持的数据集格式"):
        save_dataset(default_ds, tmp_path, format="feather")
