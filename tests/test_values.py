"""Tests for perfeval._values: parse_value, parse_number, normalise_text."""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfeval._values import (
    KINDS,
    compare,
    ParsedValue,
    normalise_text,
    parse_number,
    parse_value,
)

from conftest import examples

Q, B, L, E = "quantitative", "bound_only", "qualitative", "empty"

# text, reference_unit, (kind, op, value, unit, vague)
FORMS = [
    # plain and percent
    ("100%", None, (Q, None, 100.0, "%", False)),
    ("100.00%", None, (Q, None, 100.0, "%", False)),
    ("98%", None, (Q, None, 98.0, "%", False)),
    ("98", None, (Q, None, 98.0, None, False)),
    ("98", "%", (Q, None, 98.0, "%", False)),
    ("1", "%", (Q, None, 100.0, "%", False)),
    ("0.98", "%", (Q, None, 98.0, "%", False)),
    ("1", None, (Q, None, 1.0, None, False)),
    ("1", "个", (Q, None, 1.0, "个", False)),
    ("12.5", None, (Q, None, 12.5, None, False)),
    ("-5%", None, (Q, None, -5.0, "%", False)),
    ("−3.5万元", None, (Q, None, -3.5, "万元", False)),
    ("1,234.5元", None, (Q, None, 1234.5, "元", False)),
    # bounds with symbols
    ("≥98%", None, (Q, "≥", 98.0, "%", True)),
    ("≥95", None, (Q, "≥", 95.0, None, True)),
    ("≥95", "%", (Q, "≥", 95.0, "%", True)),
    ("≥0.95", "%", (Q, "≥", 95.0, "%", True)),
    ("≥100百分比", None, (Q, "≥", 100.0, "%", True)),
    ("≥50个", None, (Q, "≥", 50.0, "个", True)),
    ("≤90万元", None, (Q, "≤", 90.0, "万元", True)),
    ("≤ 30 万元", None, (Q, "≤", 30.0, "万元", True)),
    (">=98%", None, (Q, "≥", 98.0, "%", True)),
    ("<=5%", None, (Q, "≤", 5.0, "%", True)),
    ("≧95%", None, (Q, "≥", 95.0, "%", True)),
    ("≦5%", None, (Q, "≤", 5.0, "%", True)),
    (">95%", None, (Q, ">", 95.0, "%", True)),
    ("<5%", None, (Q, "<", 5.0, "%", True)),
    ("=100%", None, (Q, "=", 100.0, "%", False)),
    ("＝100％", None, (Q, "=", 100.0, "%", False)),
    ("100 ％", None, (Q, None, 100.0, "%", False)),
    ("≤-5%", None, (Q, "≤", -5.0, "%", True)),
    # bounds in words
    ("大于等于95%", None, (Q, "≥", 95.0, "%", True)),
    ("大于或等于95%", None, (Q, "≥", 95.0, "%", True)),
    ("不低于95%", None, (Q, "≥", 95.0, "%", True)),
    ("不少于50个", None, (Q, "≥", 50.0, "个", True)),
    ("不高于10%", None, (Q, "≤", 10.0, "%", True)),
    ("不超过30万元", None, (Q, "≤", 30.0, "万元", True)),
    ("小于5%", None, (Q, "<", 5.0, "%", True)),
    ("低于5%", None, (Q, "<", 5.0, "%", True)),
    ("大于90%", None, (Q, ">", 90.0, "%", True)),
    ("等于100%", None, (Q, "=", 100.0, "%", False)),
    ("95%以上", None, (Q, "≥", 95.0, "%", True)),
    ("95%及以上", None, (Q, "≥", 95.0, "%", True)),
    ("95以上", "%", (Q, "≥", 95.0, "%", True)),
    ("10万元以下", None, (Q, "≤", 10.0, "万元", True)),
    ("30万元以内", None, (Q, "≤", 30.0, "万元", True)),
    ("3天内", None, (Q, "≤", 3.0, "天", True)),
    ("3所以上", None, (Q, "≥", 3.0, "所", True)),
    ("100%左右", None, (Q, None, 100.0, "%", False)),
    ("控制在5%以内", None, (Q, "≤", 5.0, "%", True)),
    # ranges: lower bound, op ≥
    ("95%-100%", None, (Q, "≥", 95.0, "%", True)),
    ("95-100%", None, (Q, "≥", 95.0, "%", True)),
    ("95%～100%", None, (Q, "≥", 95.0, "%", True)),
    ("95%至100%", None, (Q, "≥", 95.0, "%", True)),
    ("10-20万元", None, (Q, "≥", 10.0, "万元", True)),
    # numbers among words
    ("完成率98%", None, (Q, None, 98.0, "%", False)),
    ("社会公众或服务对象满意度≥95%", None, (Q, "≥", 95.0, "%", True)),
    ("2021年完成率98%", None, (Q, None, 98.0, "%", False)),
    ("实行24小时舆情值班制", None, (Q, None, 24.0, "小时", False)),
    ("50个村", None, (Q, None, 50.0, "个", False)),
    ("百分之百", None, (Q, None, 100.0, "%", False)),
    ("百分之95", None, (Q, None, 95.0, "%", False)),
    # bound only
    ("不突破预算", None, (B, "≤", None, None, True)),
    ("不超预算", None, (B, "≤", None, None, True)),
    ("不超过预算", None, (B, "≤", None, None, True)),
    ("未超预算", None, (B, "≤", None, None, True)),
    ("控制在预算内", None, (B, "≤", None, None, True)),
    ("控制在预算范围内", None, (B, "≤", None, None, True)),
    ("在预算范围内", None, (B, "≤", None, None, True)),
    ("预算内", None, (B, "≤", None, None, True)),
    ("≤预算", None, (B, "≤", None, None, True)),
    ("不低于上年", None, (B, "≥", None, None, True)),
    # qualitative
    ("完成", None, (L, None, None, None, False)),
    ("全部完成", None, (L, None, None, None, False)),
    ("达成预期指标", None, (L, None, None, None, False)),
    ("达成年度指标", None, (L, None, None, None, False)),
    ("部分达成年度指标并具有一定效果", None, (L, None, None, None, False)),
    ("高", None, (L, None, None, None, False)),
    ("好", None, (L, None, None, None, False)),
    ("较好", None, (L, None, None, None, False)),
    ("效果明显", None, (L, None, None, None, False)),
    ("明显提升", None, (L, None, None, None, False)),
    ("第一时间", None, (L, None, None, None, False)),
    ("/", None, (L, None, None, None, False)),
    ("预算", None, (L, None, None, None, False)),
    ("完成", "%", (L, None, None, None, False)),
    # empty
    ("", None, (E, None, None, None, False)),
    ("   ", None, (E, None, None, None, False)),
    ("\u3000", None, (E, None, None, None, False)),
    ("\u3000 \t\n", "%", (E, None, None, None, False)),
    (None, None, (E, None, None, None, False)),
    (float("nan"), None, (E, None, None, None, False)),
    # full-width
    ("９８％", None, (Q, None, 98.0, "%", False)),
    ("≥９５％", None, (Q, "≥", 95.0, "%", True)),
    ("（≥98%）", None, (Q, "≥", 98.0, "%", True)),
    ("\u3000≥98%\u3000", None, (Q, "≥", 98.0, "%", True)),
    ("＞＝９８％", None, (Q, "≥", 98.0, "%", True)),
    ("１９个", None, (Q, None, 19.0, "个", False)),
    # OCR artefacts
    ("到98%", None, (Q, "≥", 98.0, "%", True)),
    ("第98%", None, (Q, "≥", 98.0, "%", True)),
    ("2 98%", None, (Q, "≥", 98.0, "%", True)),
    ("2\u300098%", None, (Q, "≥", 98.0, "%", True)),
    ("到50个", None, (Q, "≥", 50.0, "个", True)),
    ("W30万元", None, (Q, "≤", 30.0, "万元", True)),
    ("Ｗ30万元", None, (Q, "≤", 30.0, "万元", True)),
    ("298%", None, (Q, None, 298.0, "%", False)),  # ambiguous: not repaired
    # floats from spreadsheets
    (0.98, "%", (Q, None, 98.0, "%", False)),
    (1.0, "%", (Q, None, 100.0, "%", False)),
    (12.5, None, (Q, None, 12.5, None, False)),
]


@pytest.mark.parametrize(("text", "ref", "expected"), FORMS, ids=[repr(f[0]) + f"|{f[1]}" for f in FORMS])
def test_forms(text, ref, expected):
    p = parse_value(text, reference_unit=ref)
    assert (p.kind, p.op, p.value, p.unit, p.vague) == expected


@pytest.mark.parametrize(
    ("text", "normalised", "fixed"),
    [
        ("到98%", "≥98%", True),
        ("第98%", "≥98%", True),
        ("2 98%", "≥98%", True),
        ("2 98", "≥98", True),
        ("到 98%", "≥98%", True),
        ("W30万元", "≤30万元", True),
        ("w 30万元", "≤30万元", True),
        ("298%", "298%", False),
        ("第一时间", "第一时间", False),
        ("第3季度", "第3季度", False),  # 第 repaired only before a percentage
        ("到2022年底完成", "到2022年底完成", False),
        ("2 98%以上", "2 98%以上", False),  # repairs only apply to a bare number
        ("≥98%", "≥98%", False),
        ("98%", "98%", False),
    ],
)
def test_ocr_repairs(text, normalised, fixed):
    p = parse_value(text)
    assert p.text == normalised
    assert p.ocr_fixed is fixed
    assert p.raw == text


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("\u3000≤ 30 万元 ", "≤30万元"),
        ("＞＝９８％", "≥98%"),
        ("（≥98%）", "(≥98%)"),
        ("100 ％", "100%"),
        ("不超过 30 万元", "不超过30万元"),
        ("营造  良好\u3000氛围", "营造 良好 氛围"),
        ("9\u200b8%", "98%"),
        ("≧95%", "≥95%"),
        ("<=5%", "≤5%"),
        (None, ""),
        (float("nan"), ""),
        (0.5, "0.5"),
    ],
)
def test_normalise_text(text, normalised):
    assert normalise_text(text) == normalised


def test_unit_inheritance_flags():
    p = parse_value("≥95", reference_unit="%")
    assert p.unit == "%" and p.unit_inherited
    q = parse_value("≥95%", reference_unit="个")
    assert q.unit == "%" and not q.unit_inherited
    r = parse_value("≥95")
    assert r.unit is None and not r.unit_inherited


def test_reference_unit_is_normalised():
    assert parse_value("0.9", reference_unit="％").value == 90.0
    assert parse_value("0.9", reference_unit="百分比").unit == "%"
    assert parse_value("0.9", reference_unit="").unit is None
    assert parse_value("0.9", reference_unit=None).value == 0.9


def test_fraction_rule_only_for_unitless_small_positive():
    assert parse_value("1.5", reference_unit="%").value == 1.5
    assert parse_value("0", reference_unit="%").value == 0.0
    assert parse_value("-0.5", reference_unit="%").value == -0.5
    assert parse_value("1%", reference_unit="%").value == 1.0  # unit written: no scaling
    assert parse_value("0.5", reference_unit="万元").value == 0.5


def test_fraction_scaling_has_no_binary_noise():
    for s in ("0.98", "0.95", "0.07", "0.333", "0.29"):
        v = parse_value(s, reference_unit="%").value
        assert v == float(Decimal(s) * 100)


def test_bound_only_reference():
    assert parse_value("不突破预算").reference == "预算"
    assert parse_value("控制在预算范围内").reference == "预算"
    assert parse_value("不超过年初预算").reference == "年初预算"
    assert parse_value("不低于上年").reference == "上年"
    assert parse_value("≥98%").reference is None
    assert parse_value("完成").reference is None


def test_raw_kept_and_float_raw():
    assert parse_value("\u3000≥98%").raw == "\u3000≥98%"
    assert parse_value(None).raw is None
    assert parse_value(float("nan")).raw is None
    assert parse_value(0.98).raw == "0.98"


def test_pandas_missing_is_empty():
    pd = pytest.importorskip("pandas")
    assert parse_value(pd.NA).kind == "empty"
    assert parse_number(pd.NA) is None


def test_parsed_value_is_frozen():
    p = parse_value("98%")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.value = 1.0  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(ParsedValue)] == [
        "raw", "text", "kind", "op", "value", "unit", "unit_inherited", "vague", "reference", "ocr_fixed",
    ]


# --------------------------------------------------------------------------- #
# parse_number
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("85.4561\u3000", 85.4561),
        ("１９", 19.0),
        ("1,234.5", 1234.5),
        (" 10 ", 10.0),
        ("-3", -3.0),
        ("−3", -3.0),
        ("+2.5", 2.5),
        (".5", 0.5),
        ("12.", 12.0),
        ("1e3", 1000.0),
        (7, 7.0),
        (7.25, 7.25),
        (Decimal("1.5"), 1.5),
    ],
)
def test_parse_number_good(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "\u3000", None, float("nan")])
def test_parse_number_blank(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("text", ["12万元", "98%", "abc", "1 234", "—", "-", "1,23", "12..5", "≥5", "十"])
def test_parse_number_bad(text):
    with pytest.raises(ValueError, match=r"无法识别为数字：.*应为纯数字") as info:
        parse_number(text)
    assert repr(text) in str(info.value)


def test_parse_number_rejects_bool():
    with pytest.raises(ValueError, match="无法识别为数字：True"):
        parse_number(True)


# --------------------------------------------------------------------------- #
# properties
# --------------------------------------------------------------------------- #

VALUE_CHARS = list(
    "0123456789.,-+%％≥≤≧≦<>=＝~～至到第W2 \u3000\t\n()（）万元个次人天小时以上下内不低于超过突破预算控制在完成好高eE"
) + ["\u200b", "\u0338", "¨"]
VALUE_PIECES = st.sampled_from(VALUE_CHARS + ["百分比", "百分之", "百分之百", "不突破预算", "2 ", "以上", "范围内"])
value_text = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(VALUE_CHARS), max_size=20),
    st.lists(VALUE_PIECES, max_size=12).map("".join),
)
any_input = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), value_text)
ref_units = st.sampled_from([None, "%", "万元", "个", "", "％"])


@settings(max_examples=examples(400))
@given(any_input, ref_units)
def test_never_raises_and_invariants(text, ref):
    p = parse_value(text, reference_unit=ref)
    assert isinstance(p, ParsedValue)
    assert p.kind in KINDS
    # raw preserved exactly
    if text is None or (isinstance(text, float) and math.isnan(text)):
        assert p.raw is None
    elif isinstance(text, str):
        assert p.raw == text
    else:
        assert p.raw == str(text)
    # empty iff the normalised text is blank
    assert (p.kind == "empty") == (p.text == "")
    # quantitative implies a number; others carry none
    if p.kind == "quantitative":
        assert p.value is not None
    else:
        assert p.value is None and p.unit is None
    assert p.vague == (p.op in {"≥", "≤", ">", "<"})
    assert p.unit_inherited <= (p.unit is not None)
    assert (p.reference is not None) == (p.kind == "bound_only")


@settings(max_examples=examples(400))
@given(any_input, ref_units)
def test_idempotent_on_text(text, ref):
    p = parse_value(text, reference_unit=ref)
    again = parse_value(p.text, reference_unit=ref)
    assert again.text == p.text
    assert normalise_text(p.text) == p.text
    assert (again.kind, again.op, again.value, again.unit) == (p.kind, p.op, p.value, p.unit)
    assert not again.ocr_fixed


@given(st.text())
def test_parse_number_only_valueerror(text):
    try:
        v = parse_number(text)
    except ValueError as exc:
        assert "无法识别为数字" in str(exc)
    else:
        assert v is None or isinstance(v, float)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_parse_number_roundtrip(x):
    assert parse_number(repr(x)) == x
    assert parse_number(f"{x:,.2f}") == pytest.approx(round(x, 2))


# --------------------------------------------------------------------------- fractions only where the target says so


@pytest.mark.parametrize("achieved,target,expected", [
    ("0.5", 1.0, 0.5),       # ≤1%: "0.5" is 0.5%, not 50%
    ("0.98", 100.0, 98.0),   # 100%: "0.98" is 98%
    ("0.98", 95.0, 98.0),
    ("1", 100.0, 100.0),
    ("0.04", 5.0, 4.0),      # 4% lies nearer a 5% target than 0.04% does
    ("0.3", 2.0, 0.3),
    ("0.98", None, 98.0),    # target value unknown: the fraction reading is kept
])
def test_bare_number_is_a_fraction_only_where_the_target_makes_it_plain(achieved, target, expected):
    assert parse_value(achieved, reference_unit="%", reference_value=target).value == pytest.approx(expected)


# --------------------------------------------------------------------------- the one comparison rule


def test_compare_absorbs_binary_noise_only():
    from perfeval._values import at_least, at_most, compare, differs

    assert compare(2.014 / 2.12 * 100, 95) == 0 and at_least(2.014 / 2.12 * 100, 95)
    assert compare(94.9999, 95) == -1            # a stated difference is real
    assert at_most(0.1 + 0.2, 0.3) and at_least(0.1 + 0.2, 0.3)
    assert not differs(9.96 - 9.91, 0.05) and differs(0.0501, 0.0, 0.05)
    assert compare(-5.0, -5.000000000000001) == 0


@given(st.floats(-1e6, 1e6, allow_nan=False), st.floats(-1e6, 1e6, allow_nan=False), st.floats(0, 10))
def test_compare_is_antisymmetric_and_consistent(a, b, tol):
    from perfeval._values import at_least, at_most, compare

    assert compare(a, b, tol) == -compare(b, a, tol)
    assert at_least(a, b, tol) == (compare(a, b, tol) >= 0) and at_most(a, b, tol) == (compare(a, b, tol) <= 0)
    if abs(a - b) <= tol:
        assert compare(a, b, tol) == 0


_finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.tuples(_finite, _finite, st.sampled_from([0.0, 0.05, 0.5, 0.0001])), min_size=1, max_size=20))
def test_compare_array_agrees_with_compare(triples):
    """The vectorised comparison is the one rule: element by element it equals compare()."""
    from perfeval._values import compare_array

    a, b, tol = (list(x) for x in zip(*triples))
    assert compare_array(a, b, tol).tolist() == [compare(x, y, t) for x, y, t in triples]


@settings(max_examples=examples(100), deadline=None)
@given(_finite, st.floats(min_value=-1e-6, max_value=1e-6, allow_nan=False))
def test_compare_array_agrees_at_the_boundary(x, nudge):
    """Near-equal pairs (the tier-boundary case) decide alike in both forms."""
    from perfeval._values import compare_array

    assert compare_array([x + nudge], [x]).tolist() == [compare(x + nudge, x)]
