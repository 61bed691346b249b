"""perfeval.analyse: computed once, sliced by department-year, equal to a direct computation."""
from __future__ import annotations

import pandas as pd
import pytest

import perfeval
from perfeval._analysis import Analysis, analyse
from perfeval._synth import synth


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analysis")
    synth(folder, counties=1, departments=6, years=(2021, 2022, 2023), seed=5, contradiction_rate=0.6)
    return perfeval.load(folder)


@pytest.fixture(scope="module")
def full(ds):
    return analyse(ds)


def _frames(a: Analysis) -> dict[str, pd.DataFrame]:
    return {"metrics": a.metrics, "item_metrics": a.item_metrics, "findings": a.findings,
            "indicators": a.scorecard.indicators, "categories": a.scorecard.categories,
            "totals": a.scorecard.totals, **{f"ds.{k}": v for k, v in a.dataset.tables().items()}}


def _same(left: Analysis, right: Analysis) -> None:
    r = _frames(right)
    for name, df in _frames(left).items():
        pd.testing.assert_frame_equal(df.reset_index(drop=True), r[name].reset_index(drop=True), obj=name)


def test_analysis_holds_what_the_functions_return(ds, full):
    card = perfeval.rescore(ds)
    pd.testing.assert_frame_equal(full.metrics, perfeval.metrics(ds))
    pd.testing.assert_frame_equal(full.item_metrics, perfeval.item_metrics(ds))
    pd.testing.assert_frame_equal(full.scorecard.totals, card.totals)
    pd.testing.assert_frame_equal(full.findings, perfeval.check(ds, scorecard=card))
    assert not full.findings.empty
    assert len(full.keys()) == 18


def test_department_slice_equals_computing_on_the_subset(ds, full):
    dept = sorted(set(full.findings["dept_id"]))[0]
    _same(full.slice(dept), analyse(ds.subset(dept_ids=[dept])))


def test_department_year_slice(ds, full):
    dept = ds.departments["dept_id"].iloc[2]
    part = full.slice(dept, 2022)
    assert set(zip(part.metrics["dept_id"], part.metrics["year"])) == {(dept, 2022)}
    direct = analyse(ds.subset(dept_ids=[dept], years=[2022]))
    for name in ("findings", "indicators", "categories", "totals"):
        pd.testing.assert_frame_equal(_frames(part)[name], _frames(direct)[name], obj=name)
    # YoY keeps the previous year's actual, which a subset of one year cannot know
    assert part.metrics["prior_actual"].notna().all() and direct.metrics["prior_actual"].isna().all()
    assert len(part.dataset.departments) == 1 and part.dataset.departments["dept_id"].iloc[0] == dept


def test_slice_by_year_and_lists(full):
    yr = full.slice(year=2023)
    assert set(yr.findings["year"]) <= {2023} and set(yr.metrics["year"]) == {2023}
    assert len(yr.dataset.departments) == len(full.dataset.departments)
    two = full.slice(list(full.dataset.departments["dept_id"][:2]), [2021, 2022])
    assert len(two.metrics) == 4
    assert full.slice("nobody").metrics.empty
    first = full.dataset.departments["dept_id"].iloc[0]
    assert full.has(first, 2021) and not full.has(first, 1999) and not full.has("nobody", 2021)


def test_report_scope_computed_alone_equals_the_batch_scope(ds, full):
    dept = ds.departments["dept_id"].iloc[1]
    alone = analyse(ds, dept_id=dept, year=2023)
    batch = full.scope(dept, 2023)
    _same(alone, batch)
    # the department's every year; its peers only as far as ranking it needs
    assert set(batch.metrics.loc[batch.metrics["dept_id"] == dept, "year"]) == {2021, 2022, 2023}
    assert set(batch.metrics.loc[batch.metrics["dept_id"] != dept, "year"]) == {2023}
    assert len(batch.metrics) == len(ds.departments) + 2
    assert set(batch.scorecard.totals["dept_id"]) == set(ds.departments["dept_id"])
    assert set(batch.findings["dept_id"]) == {dept} and set(batch.dataset.indicators["dept_id"]) == {dept}
    peers = perfeval.metrics(ds).query("year == 2023").reset_index(drop=True)
    pd.testing.assert_frame_equal(batch.metrics.query("year == 2023").reset_index(drop=True), peers)


def test_comparison_and_trends_scopes(ds, full):
    year = full.scope(year=2023)
    assert set(year.metrics["year"]) == {2022, 2023} and set(year.findings["year"]) <= {2022, 2023}
    _same(analyse(ds, year=2023).slice(year=2023), year.slice(year=2023))
    two = list(ds.departments["dept_id"][:2])
    _same(full.scope(two), analyse(ds.subset(dept_ids=two)))
    assert full.scope() is full


def test_write_and_read_round_trip(full, tmp_path):
    part = full.scope(year=2022)
    path = part.write(tmp_path / "a.pkl")
    back = Analysis.read(path)
    _same(back, part)
    (tmp_path / "x.pkl").write_bytes(__import__("pickle").dumps({"not": "an analysis"}))
    with pytest.raises(TypeError, match="不是 perfeval 分析结果文件"):
        Analysis.read(tmp_path / "x.pkl")


def test_slicing_does_not_mutate(full):
    before = {k: v.copy() for k, v in _frames(full).items()}
    part = full.slice(full.dataset.departments["dept_id"].iloc[0])
    part.metrics.loc[:, "actual"] = 0
    for name, df in _frames(full).items():
        pd.testing.assert_frame_equal(df, before[name], obj=name)
