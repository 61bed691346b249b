from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfeval
from perfeval._metrics import METRIC_COLUMNS, composition, item_metrics, metrics, rolled_up, yoy

from conftest import assert_unchanged, examples, frames_snapshot, load_dept_year


def _row(ds, dept="hyx-wxb", year=2021):
    m = metrics(ds)
    return m[(m.dept_id == dept) & (m.year == year)].iloc[0]


def test_seed_arithmetic(default_ds):
    r = _row(default_ds)
    assert r["execution_rate"] == pytest.approx(85.4561 / 85.8361)
    assert r["execution_rate_initial"] == pytest.approx(85.4561 / 85.8361)
    assert r["adjustment_rate"] == 0
    assert r["carryover"] == pytest.approx(0.38)
    assert r["yoy_item"] == "基本支出"
    assert r["prior_actual"] == 60.0985
    assert r["yoy_change"] == pytest.approx(85.4561 - 60.0985)
    assert r["yoy_rate"] == pytest.approx((85.4561 - 60.0985) / 60.0985)
    assert r["staff_control_rate"] == pytest.approx(12 / 19)
    assert r["per_capita_actual"] == pytest.approx(85.4561 / 12)
    assert r["personnel"] == pytest.approx(71.9019)  # rolled up from the narrative's items
    assert r["public"] == pytest.approx(13.9342)
    assert r["personnel_share"] == pytest.approx(71.9019 / 85.4561)


def test_minimal_dataset_rates(minimal_dir):
    ds = perfeval.load(minimal_dir)
    r = _row(ds, "d1", 2022)
    assert r["execution_rate"] == pytest.approx(110 / 120)
    assert r["execution_rate_initial"] == pytest.approx(110 / 100)
    assert r["adjustment_rate"] == pytest.approx(0.2)
    assert r["carryover"] == pytest.approx(10)
    assert r["yoy_item"] == "年度资金总额" and r["yoy_change"] == pytest.approx(10) and r["yoy_rate"] == pytest.approx(0.1)
    assert r["staff_control_rate"] == pytest.approx(1.1)
    assert list(metrics(ds).columns) == METRIC_COLUMNS
    im = item_metrics(ds).set_index(["year", "item"])
    assert im.loc[(2022, "项目支出"), "share_of_parent"] == pytest.approx(25 / 110)
    assert im.loc[(2022, "项目支出"), "execution_rate"] == pytest.approx(25 / 30)


def test_blanks_and_zero_denominators_give_na(holey_dir):
    ds = perfeval.load(holey_dir)
    h1 = _row(ds, "h1", 2022)
    assert pd.isna(h1["execution_rate"]) and pd.isna(h1["adjustment_rate"]) and pd.isna(h1["staff_control_rate"])
    h2 = _row(ds, "h2", 2022)
    assert h2["execution_rate"] == 0  # actual 0 is a fact, not a blank
    assert pd.isna(h2["staff_control_rate"])  # quota 0: no rate
    assert h2["budget_adjusted"] == pytest.approx(9e-4)  # 元 → 万元


def test_yoy_any_item_and_composition(default_ds):
    y = yoy(default_ds, ["基本支出"])
    seed = y[(y.dept_id == "hyx-wxb") & (y.year == 2021)].iloc[0]
    assert seed["yoy_change"] == pytest.approx(25.3576)
    comp = composition(default_ds)
    s = comp[(comp.dept_id == "hyx-wxb")].set_index("item")
    assert s.loc["人员经费", "basis"] == "children"
    assert s["share"].sum() == pytest.approx(1.0)
    assert s.loc["公用经费", "share"] == pytest.approx(13.9342 / 85.8361)


def test_rolled_up_needs_all_children(minimal_dir, tmp_path):
    ds = perfeval.load(minimal_dir)
    r = rolled_up(ds).set_index(["year", "item"])
    assert r.loc[(2022, "年度资金总额"), "basis"] == "reported"


def test_metrics_do_not_mutate(default_ds):
    snap = frames_snapshot(default_ds)
    metrics(default_ds), item_metrics(default_ds), yoy(default_ds), composition(default_ds)
    assert_unchanged(default_ds, snap)


# ---------------------------------------------------------------- roll-up invariant (hypothesis)


_MONEY = st.integers(0, 10**8).map(lambda c: c / 10**4)


@settings(max_examples=examples(25))
@given(st.lists(_MONEY, min_size=1, max_size=4), st.lists(_MONEY, min_size=1, max_size=3))
def test_blank_total_rolls_up_to_one_split(tmp_path_factory, sources, natures):
    names_s = ["一般公共预算", "政府性基金", "纳入管理的非税收入", "其他资金"]
    names_n = ["基本支出", "项目支出", "项目支出"]
    finance = [{"item": "年度资金总额", "actual": None}]
    finance += [{"item": n, "actual": v} for n, v in zip(names_s, sources)]
    finance += [{"item": n, "actual": v} for n, v in zip(names_n[:2], natures[:2])]
    ds = load_dept_year(tmp_path_factory.mktemp("ds"), {"departments": [{"dept_id": "r", "name": "某局"}],
                                                         "finance": finance}, "r", 2022)
    roll = rolled_up(ds)
    total = float(roll.loc[roll["item"] == "年度资金总额", "value"].iloc[0])
    assert total == pytest.approx(sum(natures[:2]))  # one split (by nature), never sources + natures


def _finance_frame(rows):
    from perfeval._dataset import STR

    df = pd.DataFrame(rows, columns=["dept_id", "year", "item", "parent", "split", "actual"])
    return df.astype({"dept_id": STR, "year": "Int64", "item": STR, "parent": STR, "split": STR, "actual": "Float64"})


def test_blank_total_waits_for_a_blank_child_of_the_preferred_split():
    """年度资金总额 and 基本支出 blank, 基本支出's items and every source given: the total is the
    nature split (基本支出 rolled up first, as the recursion decides it), not the sources."""
    from types import SimpleNamespace

    rows = [("a", 2022, "年度资金总额", None, "total", None),
            ("a", 2022, "一般公共预算", "年度资金总额", "source", 500.0),
            ("a", 2022, "基本支出", "年度资金总额", "nature", None),
            ("a", 2022, "人员经费", "基本支出", "detail", 60.0),
            ("a", 2022, "公用经费", "基本支出", "detail", 40.5)]
    roll = rolled_up(SimpleNamespace(finance=_finance_frame(rows))).set_index("item")
    assert roll.loc["基本支出", "value"] == 100.5
    assert roll.loc["年度资金总额", "value"] == 100.5
    assert roll.loc["年度资金总额", "basis"] == "children"


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_array_roll_up_equals_the_line_by_line_roll_up(data):
    """The whole-array roll-up gives what the line-by-line recursion (its reference) gives, in any row order."""
    import numpy as np
    from perfeval._metrics import _finance_codes, _rollup_arrays, _rollup_rows
    from perfeval._vocab import FINANCE_VOCABULARY

    items = [*FINANCE_VOCABULARY, "专项甲", "专项乙"]
    rows = []
    for dept in ("a", "b"):
        for year in (2021, 2022):
            for item in data.draw(st.lists(st.sampled_from(items), min_size=1, max_size=12, unique=True)):
                parent = data.draw(st.sampled_from([FINANCE_VOCABULARY.get(item, "项目支出"), None, *items[:6]]))
                split = data.draw(st.sampled_from(["total", "source", "nature", "detail", "memo", None]))
                actual = data.draw(st.one_of(st.none(), st.integers(0, 10**6).map(lambda c: c / 100)))
                rows.append((dept, year, item, parent, split, actual))
    fin = _finance_frame(data.draw(st.permutations(rows)))
    fc = _finance_codes(fin)
    val, basis = _rollup_arrays(fin, "actual", fc)
    ref_val, ref_basis = np.full(len(fin), np.nan), np.zeros(len(fin), dtype=np.int8)
    _rollup_rows(fin, "actual", np.arange(len(fin)), fc.key, ref_val, ref_basis)
    np.testing.assert_array_equal(val, ref_val)
    np.testing.assert_array_equal(basis, ref_basis)
