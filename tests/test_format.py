"""perfeval._format: one home for numbers at the precision of their kind."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfeval import _format as F


def test_exact_sum_has_no_binary_tail():
    assert sum([9.9, 88.92]) != 98.82
    assert F.exact_sum([9.9, 88.92]) == 98.82
    assert F.exact_sum([0.1, 0.2]) == 0.3
    assert F.exact_sum([None, pd.NA, 1.5]) == 1.5
    assert F.exact_sum([None]) is None and F.exact_sum([], min_count=0) == 0.0


@given(st.lists(st.integers(min_value=-10**8, max_value=10**8), min_size=1, max_size=30))
def test_exact_sum_of_4_decimal_amounts_is_the_decimal_sum(units):
    values = [u / 10_000 for u in units]
    assert F.exact_sum(values) == round(sum(units) / 10_000, 4)


@pytest.mark.parametrize("value, kind, text", [
    (85.4561, "money", "85.4561"), (0.38, "money", "0.3800"), (-0.00001, "money", "0.0000"),
    (0.995572958230861, "rate", "99.56%"), (1, "rate", "100.00%"), (98.355, "score", "98.36"),
    (12.0, "count", "12"), (2021, "year", "2021"), (None, "money", ""),
])
def test_fmt_number_by_kind(value, kind, text):
    assert F.fmt_number(value, kind) == text


def test_round_frame_rounds_known_columns_only():
    df = pd.DataFrame({"actual": pd.array([7.121341666666667, None], dtype="Float64"),
                       "execution_rate": [0.995572958230861, 0.5], "staff_actual": pd.array([3, None], dtype="Int64"),
                       "note": ["=x", None], "other": [0.123456789, 1.0]})
    out = F.round_frame(df)
    assert out["actual"].tolist()[0] == 7.1213 and pd.isna(out["actual"].tolist()[1])
    assert out["execution_rate"].tolist() == [0.9956, 0.5]
    assert out["other"].tolist() == [0.123456789, 1.0]  # not a known kind: untouched
    assert df["actual"].tolist()[0] == 7.121341666666667  # input not mutated


def test_csv_safe_neutralises_formulas_in_text_only():
    df = pd.DataFrame({"t": ["=1+1", "+cmd", "-x", "@SUM(A1)", "\tA", "\rB", "正常", None], "n": [-1.0] * 8})
    out = F.csv_safe(df)
    assert out["t"].tolist()[:7] == ["'=1+1", "'+cmd", "'-x", "'@SUM(A1)", "'\tA", "'\rB", "正常"]
    assert out["n"].tolist() == [-1.0] * 8
    assert df["t"].iloc[0] == "=1+1"


def test_narrative_and_checks_use_these_formats():
    from perfeval import _checks, _narrative, _scoring

    assert _narrative.fmt_wan is F.fmt_wan and _narrative.fmt_pct is F.fmt_pct and _narrative.fmt_score is F.fmt_score
    assert _checks._money(1.23456) == "1.2346万元" and _checks._rate(None) == "空"
    assert _scoring._fmt_num(9.0) == "9" and _scoring._fmt_num(9.956) == "9.96"
